"""The Teams app package: a zip Teams accepts — a manifest valid against Microsoft's
schema (the bot, its command lists per scope from the grammar's table) and the icons
(192×192 colour, 32×32 white-on-transparent outline)."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from adapters.teams.package import MAX_COMMANDS, PackageError, build_teams_package
from bot.commands import COMMANDS

APP_ID = "00000000-aaaa-bbbb-cccc-000000000001"
SCHEMA = Path(__file__).parent / "fixtures" / "MicrosoftTeams.v1.22.schema.json"


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """Width, height and RGBA rows of an 8-bit RGBA, unfiltered PNG (what we write)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert (depth, colour) == (8, 6)
    raw = zlib.decompress(idat)
    rows = []
    stride = width * 4 + 1
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0
        rows.append([tuple(line[1 + x * 4:5 + x * 4]) for x in range(width)])
    return width, height, rows


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    folder = tmp_path_factory.mktemp("package")
    path = build_teams_package(app_id=APP_ID, out=folder)
    assert path == folder / "okrbot-teams.zip"
    return zipfile.ZipFile(path)


def test_package_holds_the_manifest_and_both_icons(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    assert package.testzip() is None


def test_manifest_is_valid_against_microsofts_schema(package: zipfile.ZipFile) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    manifest = json.loads(package.read("manifest.json"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))

    jsonschema.validate(manifest, schema)
    version = manifest["manifestVersion"]
    assert manifest["$schema"].endswith(f"v{version}/MicrosoftTeams.schema.json")


def test_manifest_declares_the_bot_in_every_scope_with_its_commands(
    package: zipfile.ZipFile,
) -> None:
    manifest = json.loads(package.read("manifest.json"))

    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    lists = {tuple(lst["scopes"]): lst["commands"] for lst in bot["commandLists"]}
    assert set(lists) == {("personal",), ("team", "groupChat")}
    known = {spec.name for spec in COMMANDS}
    for commands in lists.values():
        assert 0 < len(commands) <= MAX_COMMANDS
        assert {c["title"] for c in commands} <= known  # nothing the bot would not accept
        assert commands[0]["title"] == "help"
    assert "checkin" in {c["title"] for c in lists[("personal",)]}
    assert "setup" in {c["title"] for c in lists[("team", "groupChat")]}


def test_colour_icon_is_192_square_and_opaque(package: zipfile.ZipFile) -> None:
    width, height, rows = decode_png(package.read("color.png"))

    assert (width, height) == (192, 192)
    assert all(pixel[3] == 255 for row in rows for pixel in row)
    assert len({pixel for row in rows for pixel in row}) > 2  # a glyph on a background


def test_outline_icon_is_32_square_white_on_transparent(package: zipfile.ZipFile) -> None:
    width, height, rows = decode_png(package.read("outline.png"))

    assert (width, height) == (32, 32)
    pixels = [pixel for row in rows for pixel in row]
    assert all(pixel[:3] == (255, 255, 255) for pixel in pixels)
    assert rows[0][0][3] == 0  # the corners are transparent
    assert any(pixel[3] == 255 for pixel in pixels)  # the glyph is there


def test_an_app_id_that_is_not_a_guid_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="GUID"):
        build_teams_package(app_id="", out=tmp_path)
    assert list(tmp_path.iterdir()) == []
