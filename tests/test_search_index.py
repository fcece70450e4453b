"""The full-text index: written with every published version, rebuilt on first use if missing."""

from __future__ import annotations

import os
import sqlite3

from hcn_ld.derived.search import INDEX_NAME, LAYOUT, index_for
from hcn_ld.store import LocalStore
from tests.conftest import run_cli


def test_each_publish_writes_its_own_index_before_serving_it(data_copy, tmp_path):
    store_path = tmp_path / "store"
    run_cli("--data", str(data_copy), "build", "--store", str(store_path))
    store = LocalStore(store_path)
    first = store.generation_dir()
    assert (first / INDEX_NAME).exists()
    assert index_for(store).search("maribor").hits[0].label == "Maribor"

    events = data_copy / "events.yaml"
    old, new = "Inter-regional workshop on procurement", "Inter-regional workshop on tendering"
    events.write_text(events.read_text().replace(old, new))
    run_cli("--data", str(data_copy), "build", "--store", str(store_path))
    assert store.generation_dir() != first and (store.generation_dir() / INDEX_NAME).exists()
    labels = [hit.label for hit in index_for(store).search("tendering").hits]
    assert labels == ["Inter-regional workshop on tendering"]


def test_a_store_published_without_an_index_builds_one_on_first_search(data_copy, tmp_path):
    store_path = tmp_path / "store"
    run_cli("--data", str(data_copy), "build", "--store", str(store_path))
    store = LocalStore(store_path)
    os.remove(store.generation_dir() / INDEX_NAME)  # as a store from before the index existed
    assert store.search_index() is None
    index = index_for(store, cache=tmp_path / "cache")
    assert index.path.is_relative_to(tmp_path / "cache")
    assert [hit.label for hit in index.search("bilbao").hits][0] == "Bilbao"
    assert index_for(store, cache=tmp_path / "cache").path == index.path  # built once


def test_an_index_of_an_older_layout_is_rebuilt_not_used(data_copy, tmp_path):
    store_path = tmp_path / "store"
    run_cli("--data", str(data_copy), "build", "--store", str(store_path))
    store = LocalStore(store_path)
    published = store.generation_dir() / INDEX_NAME
    with sqlite3.connect(published) as db:  # as written by an earlier hcn-ld
        db.execute("DROP TABLE docs")
        db.execute(f"PRAGMA user_version = {LAYOUT - 1}")
    index = index_for(store, cache=tmp_path / "cache")
    assert index.path != published
    assert index.search("potsdam").hits[0].label == "Potsdam"
