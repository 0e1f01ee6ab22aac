"""An upload of scenarios and quiz banks is bounded before it is read, and a zip that cannot be
read is refused with the reason: always a 400 that names the file and the limit, nothing saved.

A probe sent a 1.2 MB zip of 1,999 quiz banks of 500 KB each: 257 s of CPU and 1.2 GB of memory
per upload, four of them killed every web worker. Others answered 500: a YAML file nested
100,000 deep (RecursionError), zips encrypted, compressed with method 99 or lying about their
sizes, and NUL characters that PostgreSQL refuses.
"""

from __future__ import annotations

import copy
import io
import struct
import time
import zipfile
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from iamlab.labs import loading, yamlsource
from iamlab.labs.loading import LoadFailed, load, read_upload
from iamlab.labs.models import Quiz, Scenario
from iamlab.labs.yamlsource import Budget, YamlProblem, read_yaml
from iamlab.people.models import Role
from iamlab.sandbox.models import Sandbox

from .conftest import signed_in
from .test_loading import folder

pytestmark = pytest.mark.django_db

BANK = """\
title: One question
topic: groups
questions:
  - id: q1
    kind: choice
    prompt: Is a group a principal?
    options:
      - text: "No"
        right: true
      - text: "Yes"
    explain: A group only gathers users.
"""


def zipped(files: dict[str, str | bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def lab(**changed: str) -> dict[str, str | bytes]:
    return {f"one-bucket/{name}": text for name, text in folder(**changed).items()}


def patched(data: bytes, name: str, **fields: int) -> bytes:
    """``data`` with the headers of member ``name`` changed (in the local header and in the
    central directory): ``method`` (compression), ``flags``, ``crc``, ``size`` (unpacked)."""
    out = bytearray(data)
    encoded = name.encode()
    # Local file header: signature, version, flags(6), method(8), ..., crc(14), csize, size(22)
    # Central directory: signature, made by, version, flags(8), method(10), ..., crc(16),
    # csize, size(24)
    for signature, offsets in (
        (b"PK\x03\x04", {"flags": 6, "method": 8, "crc": 14, "size": 22}),
        (b"PK\x01\x02", {"flags": 8, "method": 10, "crc": 16, "size": 24}),
    ):
        start = 0
        while (at := out.find(signature, start)) >= 0:
            start = at + 4
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(out[name_at : name_at + len(encoded)]) != encoded:
                continue
            for field_name, value in fields.items():
                offset = at + offsets[field_name]
                if field_name in ("flags", "method"):
                    struct.pack_into("<H", out, offset, value)
                else:
                    struct.pack_into("<I", out, offset, value)
    return bytes(out)


def the_attack(count: int = 1999, size: int = 500_000) -> bytes:
    """The probe's zip: banks of one long plain scalar, compressing a thousand to one."""
    body = "a" * size
    return zipped({f"b{i}.quiz.yaml": body for i in range(count)})


def too_much_yaml() -> bytes:
    return zipped({f"b{i}.quiz.yaml": "a" * 500_000 for i in range(9)})


def encrypted() -> bytes:
    data = zipped(lab())
    return patched(data, "one-bucket/world.yaml", flags=0x1)


def method_99() -> bytes:
    data = zipped(lab(), zipfile.ZIP_STORED)
    return patched(data, "one-bucket/world.yaml", method=99)


def lying_size() -> bytes:
    """A member that says it unpacks to 10 bytes (so passes every size check) and holds more:
    the bytes past its word fail its checksum."""
    return patched(zipped(lab()), "one-bucket/world.yaml", size=10)


def wrong_crc() -> bytes:
    return patched(zipped(lab()), "one-bucket/world.yaml", crc=1234)


def damaged_stream() -> bytes:
    data = bytearray(zipped(lab(world_yaml="accounts: []\n" + "# filler\n" * 400)))
    start = data.find(b"one-bucket/world.yaml") + len("one-bucket/world.yaml")
    for i in range(start + 5, start + 40):
        data[i] ^= 0xFF
    return bytes(data)


NESTED = "a: " + "[" * 100_000 + "]" * 100_000 + "\n"
BLOCK_NESTED = "a:\n  " + "- " * 2000 + "x\n"

REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "the probe's zip of 1,999 banks of 500 KB": (
        the_attack,
        "attack.zip: the zip unpacks to 953.2 MB; the limit is 16 MB at once: load it in parts",
    ),
    "more YAML than one upload may hold": (
        too_much_yaml,
        "attack.zip: the zip holds 4.3 MB of YAML; the limit is 4 MB of YAML at once",
    ),
    "more files than a zip may hold": (
        lambda: zipped({f"f{i}.txt": "" for i in range(loading.MAX_ZIP_FILES + 1)}),
        "attack.zip: the zip holds 2,001 files; the limit is 2,000",
    ),
    "one file too big": (
        lambda: zipped(lab(walkthrough_md="x" * (loading.MAX_FILE_BYTES + 1))),
        "attack.zip:one-bucket/walkthrough.md: unpacks to more than 512 KB; a file is at most "
        "512 KB",
    ),
    "an encrypted file": (
        encrypted,
        "attack.zip:one-bucket/world.yaml: encrypted: zip it again without a password",
    ),
    "compression method 99 (AES)": (
        method_99,
        "attack.zip:one-bucket/world.yaml: compressed with method 99, which iamlab cannot "
        "unpack: zip it again with the usual compression (deflate)",
    ),
    "a file that lies about its size": (
        lying_size,
        "attack.zip:one-bucket/world.yaml: cannot be unpacked (Bad CRC-32",
    ),
    "a wrong checksum": (wrong_crc, "attack.zip:one-bucket/world.yaml: cannot be unpacked"),
    "a damaged stream": (damaged_stream, "attack.zip:one-bucket/world.yaml: cannot be unpacked"),
    "a world nested 100,000 deep": (
        lambda: zipped(lab(world_yaml=NESTED)),
        "attack.zip:one-bucket/world.yaml, line 1: column 64: lists and mappings are nested "
        "more than 60 deep here; the limit is 60",
    ),
    "a block list nested 2,000 deep": (
        lambda: zipped(lab(world_yaml=BLOCK_NESTED)),
        "attack.zip:one-bucket/world.yaml, line 2: column 123: lists and mappings are nested "
        "more than 60 deep here; the limit is 60",
    ),
    "a quiz bank nested 100,000 deep": (
        lambda: zipped({"deep.quiz.yaml": BANK + "extra: " + NESTED[3:]}),
        "attack.zip:deep.quiz.yaml, line 12: column 68: lists and mappings are nested more "
        "than 60 deep here",
    ),
    "NUL in scenario YAML": (
        lambda: zipped(lab(scenario_yaml=folder()["scenario.yaml"].replace("Ann", "A\0nn", 1))),
        "attack.zip:one-bucket/scenario.yaml, line 5: column 9 holds the NUL character "
        "(U+0000), which no text may hold; remove it",
    ),
    "NUL written as an escape in YAML": (
        lambda: zipped(
            lab(scenario_yaml='title: "One\\0 bucket"\n' + folder()["scenario.yaml"][19:])
        ),
        "attack.zip:one-bucket/scenario.yaml, line 1, title: holds the NUL character (U+0000)",
    ),
    "NUL in a walkthrough": (
        lambda: zipped(lab(walkthrough_md="# Solution\n\nAdd\0 a policy.\n")),
        "attack.zip:one-bucket/walkthrough.md, line 3: column 4 holds the NUL character",
    ),
    "NUL in a quiz bank": (
        lambda: zipped(
            {
                "nul.quiz.yaml": BANK.replace(
                    "A group only gathers users.", '"A gro\\u0000up only gathers users."'
                )
            }
        ),
        "attack.zip:nul.quiz.yaml, line 11, questions[0].explain: holds the NUL character",
    ),
}


def counts() -> dict[str, int]:
    return {
        "scenarios": Scenario.objects.count(),
        "quizzes": Quiz.objects.count(),
        "sandboxes": Sandbox.objects.count(),
    }


@pytest.fixture
def teacher() -> Client:
    return signed_in("teach", Role.INSTRUCTOR)[0]


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_an_upload_past_a_limit_or_unreadable_is_refused_with_a_400(teacher, case):
    make, expected = REFUSED[case]
    upload = io.BytesIO(make())
    upload.name = "attack.zip"
    before = counts()
    started = time.process_time()
    response = teacher.post(reverse("labs:manage"), {"file": upload})
    spent = time.process_time() - started
    assert response.status_code == 400
    assert expected in response.context["problems"][0], response.context["problems"]
    assert counts() == before
    assert spent < 2, f"{spent:.1f} s of CPU"


def test_a_zip_read_once_for_its_labs_and_its_banks():
    folders, banks = read_upload(zipped({**lab(), "extra/two.quiz.yaml": BANK}), "up.zip")
    assert list(folders) == ["one-bucket"]
    assert banks == {"two": ("up.zip:extra/two.quiz.yaml", BANK)}


@pytest.fixture
def understated(monkeypatch):
    """A zip whose every member declares 1 byte and unpacks to its real size: zipfile trusts
    the checksum to catch that, the loader counts what it unpacks as well."""
    real_infolist, real_open = zipfile.ZipFile.infolist, zipfile.ZipFile.open

    def infolist(self):
        infos = []
        for info in real_infolist(self):
            lying = copy.copy(info)
            lying.file_size = 1
            infos.append(lying)
        return infos

    def open_(self, name, *args, **kwargs):
        return real_open(self, getattr(name, "filename", name), *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "infolist", infolist)
    monkeypatch.setattr(zipfile.ZipFile, "open", open_)


@pytest.mark.parametrize(
    ("limit", "value", "expected"),
    [
        (
            "MAX_UNPACKED_BYTES",
            500,
            "up.zip: the zip unpacks to more than it declares; the limit is 500 bytes at once",
        ),
        (
            "MAX_YAML_BYTES",
            500,
            "up.zip: the zip holds more YAML than it declares; the limit is 500 bytes of YAML",
        ),
        (
            "MAX_FILE_BYTES",
            100,
            "up.zip:one-bucket/fixed.yaml: unpacks to 101 bytes; a file is at most 100 bytes",
        ),
    ],
)
def test_what_a_zip_unpacks_is_counted_as_it_is_read(
    understated, monkeypatch, limit, value, expected
):
    monkeypatch.setattr(loading, limit, value)
    with pytest.raises(LoadFailed) as caught:
        read_upload(zipped(lab()), "up.zip")
    assert expected in str(caught.value)


def test_the_yaml_of_one_upload_holds_a_bounded_number_of_values_together():
    budget = Budget(values=30)
    read_yaml("- a\n" * 20, "one.yaml", budget)
    assert budget.values == 30 - 21  # the list and its 20 items
    with pytest.raises(YamlProblem) as caught:
        read_yaml("- a\n" * 20, "two.yaml", budget)
    assert str(caught.value) == (
        "two.yaml, line 9: too large: the YAML files of one upload hold at most 50,000 "
        "values together; load them in parts"
    )


def test_an_upload_of_many_large_banks_stops_at_the_values_limit_and_saves_nothing():
    big = "questions:\n" + "- a\n" * 22_000
    banks = {f"b{i}": (f"b{i}.quiz.yaml", big) for i in range(3)}
    with pytest.raises(LoadFailed) as caught:
        load({}, quizzes=banks)
    assert "b2.quiz.yaml, line 5996: too large: the YAML files of one upload hold at most" in str(
        caught.value
    )
    assert Quiz.objects.count() == 0


def test_libyaml_and_pyyaml_read_alike(monkeypatch):
    text = folder()["world.yaml"]
    fast = read_yaml(text, "w.yaml")
    monkeypatch.setattr(yamlsource, "_LOADER", __import__("yaml").SafeLoader)
    slow = read_yaml(text, "w.yaml")
    assert (fast.data, fast.lines) == (slow.data, slow.lines)
    with pytest.raises(YamlProblem) as caught:
        read_yaml(NESTED, "w.yaml")
    assert "line 1: column 64: lists and mappings are nested more than 60 deep" in str(caught.value)


def big_world(users: int) -> str:
    return (
        'accounts:\n  - name: Dev\n    id: "111122223333"\n'
        "groups:\n  - name: Readers\n    managed: [ReadOnlyAccess]\n"
        "users:\n  - name: ann\n"
        + "".join(f"  - name: u{i}\n    groups: [Readers]\n" for i in range(users))
    )


def test_checking_an_upload_stops_when_its_cpu_budget_is_spent(teacher, monkeypatch):
    # 1,000 users build in about 4 s; the budget stops the build, whatever the shape of the
    # work (worlds, goals, questions), and nothing is saved.
    monkeypatch.setattr(yamlsource, "MAX_UPLOAD_SECONDS", 0.5)
    upload = io.BytesIO(zipped(lab(world_yaml=big_world(1000), fixed_yaml="")))
    upload.name = "big.zip"
    before = counts()
    started = time.thread_time()
    response = teacher.post(reverse("labs:manage"), {"file": upload})
    spent = time.thread_time() - started
    assert response.status_code == 400
    [problem] = response.context["problems"]
    assert problem.startswith("big.zip:one-bucket/world.yaml, line ")
    assert problem.endswith(
        "checking stopped here: this upload took more than 0.5 s of CPU to check, the most one "
        "upload may take; load it in parts"
    )
    assert counts() == before
    assert spent < 2, f"{spent:.1f} s of CPU"


WHO_BANK = """\
title: Who reads
topic: groups
questions:
  - id: who-reads
    kind: who
    prompt: Who may read the reports?
    world:
      accounts:
        - name: Dev
          id: "111122223333"
      users:
        - name: ann
    request:
      action: s3:GetObject
      resource: arn:aws:s3:::reports/q1.csv
"""


def test_working_out_a_quiz_bank_stops_when_the_budget_is_spent(monkeypatch):
    monkeypatch.setattr(yamlsource, "MAX_UPLOAD_SECONDS", 0.0)
    with pytest.raises(LoadFailed) as caught:
        load({}, quizzes={"who": ("up.zip:who.quiz.yaml", WHO_BANK)})
    assert str(caught.value).startswith("up.zip:who.quiz.yaml")
    assert "checking stopped here: this upload took more than 0 s of CPU" in str(caught.value)
    assert Quiz.objects.count() == 0
