"""A container's sandbox uid (Isolation.UID): drawn at random from a large range, so that no
other container on the kernel shares it; bubblewrap's slots on one host stay as they are."""

from __future__ import annotations

import pytest

from autograder.sandbox import SLOT_UID_BASE, SLOTS, IsolationUnavailable, host


def test_uids_are_drawn_from_the_large_range_and_differ():
    uids = {host.random_uid() for _ in range(200)}
    low, high = host.RANDOM_UIDS
    assert all(low <= uid <= high for uid in uids)
    assert len(uids) > 195  # 2^31 - 2^20 uids: repeats are rare


def test_uids_named_in_passwd_or_group_or_running_are_skipped(monkeypatch):
    low = host.RANDOM_UIDS[0]
    monkeypatch.setattr(host, "RANDOM_UIDS", (low, low + 3))
    named = {"/etc/passwd": {low}, "/etc/group": {low + 1}}
    monkeypatch.setattr(host, "_passwd_uids", lambda path="/etc/passwd": named[path])
    monkeypatch.setattr(host, "_running_uids", lambda: {low + 2})
    assert {host.random_uid() for _ in range(50)} == {low + 3}
    monkeypatch.setattr(host, "_running_uids", lambda: {low + 2, low + 3})
    with pytest.raises(IsolationUnavailable, match="no free sandbox uid"):
        host.random_uid()


def test_a_remapped_user_namespace_draws_from_what_it_maps(monkeypatch):
    """A container whose user namespace maps only 0..65535 (Docker's userns-remap) cannot use
    a uid of 2^20: the draw falls in the mapped ids from SLOT_UID_BASE up, below nobody."""
    monkeypatch.setattr(host, "mapped_ids", lambda path: [(0, 65535)])
    assert host.random_uid_ranges() == [(SLOT_UID_BASE, 65533)]
    assert all(SLOT_UID_BASE <= host.random_uid() <= 65533 for _ in range(50))
    monkeypatch.setattr(host, "mapped_ids", lambda path: [(0, 999)])
    with pytest.raises(IsolationUnavailable, match="maps too few ids"):
        host.random_uid()


def test_the_init_namespace_maps_every_id(tmp_path):
    path = tmp_path / "uid_map"
    path.write_text("         0          0 4294967295\n")
    assert host.mapped_ids(str(path)) == [(0, 4294967294)]
    assert host.mapped_ids(str(tmp_path / "missing")) == [(0, 2**32 - 2)]


def test_bubblewrap_keeps_its_slots(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_LOCK_DIR", str(tmp_path))
    with host.slot() as first, host.slot() as second:
        slots = range(SLOT_UID_BASE, SLOT_UID_BASE + SLOTS)
        assert first != second and first in slots and second in slots
