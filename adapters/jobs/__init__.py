"""The weekly fan-out as jobs on procrastinate (PostgreSQL): the clock queues, any number of
``okrbot worker`` processes send, every one within the platforms' shared budgets."""
