"""Post-2025 codes and coordinates of places, checked against vietnamadminunits' own data, not against our output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from vietnamadminunits import convert_address
from vietnamadminunits.converter import converter_2025
from vietnamadminunits.database import query

from tasks.common import derived_json
from tasks.extract import admin_units
from tasks.extract.places import candidates, gazetteer, successor

NEW_COLUMNS = ["new_province_code", "new_commune_code", "latitude", "longitude", "new_latitude", "new_longitude",
               "new_commune_split"]


def unit(name: str, level_hint: str, type_word: str, province_code: str):
    found = [u for u in candidates(name, level_hint, type_word) if u.province_code == province_code]
    assert len(found) == 1, found
    return found[0]


def new_ward(province: str, ward: str) -> dict:
    rows = query(f"SELECT * FROM admin_units WHERE province = '{province}' AND ward = '{ward}'")
    assert len(rows) == 1
    return rows[0]


def legacy(column: str, code: str) -> dict:
    return query(f"SELECT * FROM admin_units_legacy WHERE {column} = '{code}' LIMIT 1")[0]


def test_phuong_cam_trung_is_now_phuong_cam_pha_with_its_codes_and_coordinates():
    cam_trung = unit("Cẩm Trung", "commune", "phường", "22")
    got = admin_units.current_unit(cam_trung, *successor(cam_trung))
    want = new_ward("Tỉnh Quảng Ninh", "Phường Cẩm Phả")
    converted = convert_address("Phường Cẩm Trung, Thành phố Cẩm Phả, Tỉnh Quảng Ninh")
    assert got.new_province_code == want["provinceCode"] == converted.province_code == "22"
    assert got.new_commune_code == want["wardCode"] == converted.ward_code
    assert (got.new_latitude, got.new_longitude) == (want["wardLat"], want["wardLon"])
    old = legacy("wardCode", cam_trung.code)
    assert old["ward"] == "Phường Cẩm Trung"
    assert (got.latitude, got.longitude) == (old["wardLat"], old["wardLon"])
    assert got.new_commune_split is False


def test_a_district_and_a_province_get_the_new_province_and_their_own_centre():
    cam_pha = unit("Cẩm Phả", "city", "thành phố", "22")
    got = admin_units.current_unit(cam_pha, *successor(cam_pha))
    old = legacy("districtCode", cam_pha.code)
    province = query("SELECT provinceLat, provinceLon FROM admin_units WHERE provinceCode = '22' LIMIT 1")[0]
    assert (got.new_province_code, got.new_commune_code, got.new_commune_split) == ("22", None, None)
    assert (got.latitude, got.longitude) == (old["districtLat"], old["districtLon"])
    assert (got.new_latitude, got.new_longitude) == (province["provinceLat"], province["provinceLon"])
    quang_ninh = unit("Quảng Ninh", "province", "tỉnh", "22")
    assert admin_units.current_unit(quang_ninh, *successor(quang_ninh)).latitude == old["provinceLat"]


def test_merged_provinces_take_the_code_of_the_province_they_joined():
    hai_duong = unit("Hải Dương", "province", "tỉnh", "30")
    converted = convert_address("Tỉnh Hải Dương")
    assert admin_units.current_unit(hai_duong, *successor(hai_duong)).new_province_code == converted.province_code


def split_wards(limit: int) -> list[tuple]:
    """Pre-2025 communes the package divides among several new ones, that the unit lists also have."""
    keys = {old for wards in converter_2025.DICT_PROVINCE_WARD_DIVIDED.values() for old in wards}
    units = {u.code: u for units in gazetteer().values() for u in units if u.level == "commune"}
    found = []
    for row in query("SELECT * FROM admin_units_legacy ORDER BY wardCode"):
        if f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}" in keys and row["wardCode"] in units:
            found.append((units[row["wardCode"]], f"{row['ward']}, {row['district']}, {row['province']}"))
        if len(found) == limit:
            break
    return found


def test_a_split_ward_maps_to_the_successor_the_package_itself_chooses():
    wards = split_wards(5)
    assert len(wards) == 5
    for old_unit, address in wards:
        got = admin_units.current_unit(old_unit, *successor(old_unit))
        converted = convert_address(address)  # no street: the package's default successor, no geocoding
        assert (got.new_province_code, got.new_commune_code) == (converted.province_code, converted.ward_code), address
        assert got.new_commune_split is True


def test_a_commune_the_package_does_not_list_falls_back_to_the_successor_names():
    gone = unit("Nguyễn Trung Trực", "commune", "phường", "01")  # merged into another ward before 2025
    assert not query(f"SELECT * FROM admin_units_legacy WHERE wardCode = '{gone.code}'")
    got = admin_units.current_unit(gone, "Thành phố Hà Nội", "Phường Ba Đình")
    ba_dinh = new_ward("Thành phố Hà Nội", "Phường Ba Đình")
    assert (got.new_province_code, got.new_commune_code) == ("01", ba_dinh["wardCode"])
    assert (got.latitude, got.new_latitude) == (ba_dinh["wardLat"], ba_dinh["wardLat"])
    assert admin_units.current_unit(gone, "Thành phố Hà Nội", None).new_commune_code is None


def test_a_place_that_is_no_unit_has_no_codes():
    assert admin_units.current_unit_columns(None, None, None) == dict.fromkeys(NEW_COLUMNS)


def test_places_rows_carry_the_new_columns():
    from tasks.extract.batch import extract_text

    facts = extract_text("Năm 2023, UBND phường Cẩm Trung, TP Cẩm Phả, tỉnh Quảng Ninh cấp phép cho 12 dự án.")
    rows = {row["name"]: row for row in facts["places"]}
    want = new_ward("Tỉnh Quảng Ninh", "Phường Cẩm Phả")
    assert rows["Cẩm Trung"]["new_commune_code"] == want["wardCode"]
    assert rows["Cẩm Trung"]["new_latitude"] == want["wardLat"]
    assert rows["Quảng Ninh"]["new_province_code"] == "22" and rows["Quảng Ninh"]["new_commune_code"] is None


def test_the_table_covers_every_post_2025_unit():
    table = admin_units.unit_table()
    assert len(table["new_provinces"]) == 34 and len(table["new_communes"]) == 3321
    assert len(admin_units.commune_centres()) == 3321


def test_the_table_is_computed_once_in_a_child_process_and_cached(tmp_path):
    path = tmp_path / "cache" / "admin-units.json"
    first = derived_json(path, "tasks.extract.admin_units", lambda: pytest.fail("computed in-process"))
    assert path.exists() and first == json.loads(json.dumps(admin_units.compute_unit_table(), ensure_ascii=False))
    assert derived_json(path, "tasks.extract.admin_units", lambda: pytest.fail("recomputed")) == first


def test_without_a_writable_cache_the_table_is_computed_here(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert derived_json(blocker / "admin-units.json", "tasks.extract.admin_units", lambda: {"here": 1}) == {"here": 1}


def test_older_places_files_without_the_new_columns_still_read(report_warehouse, tmp_path):
    """An additive change: files written before schema version 2 read with pandas, pyarrow and DuckDB."""
    from warehouse.query import connect
    from warehouse.store import Warehouse

    root = tmp_path / "wh"
    shutil.copytree(report_warehouse, root)
    files = sorted((root / "places").rglob("*.parquet"))
    old = files[0]
    pq.write_table(pq.read_table(old).drop_columns(NEW_COLUMNS), old)  # as written by the previous version
    old_rows = pq.read_metadata(old).num_rows

    alone = pd.read_parquet(old)
    assert len(alone) == old_rows and not set(NEW_COLUMNS) & set(alone.columns)
    assert len(pd.read_parquet(root / "places")) == sum(pq.read_metadata(f).num_rows for f in files)

    con = connect(Warehouse(str(root)))
    counts = con.sql("SELECT count(*), count(new_commune_code), count(latitude) FROM places").fetchall()[0]
    assert counts[0] == len(pd.read_parquet(root / "places")) and 0 < counts[2] < counts[0]
    old_ids = set(alone["article_id"])
    nulls = con.sql("SELECT article_id, count(*) FILTER (WHERE new_province_code IS NOT NULL) FROM places GROUP BY 1").fetchall()
    assert {aid for aid, coded in nulls if aid in old_ids} == old_ids and all(coded == 0 for aid, coded in nulls
                                                                               if aid in old_ids)
    whole = Warehouse(str(root)).read_table("places")
    assert set(NEW_COLUMNS) <= set(whole.column_names) and whole.num_rows == counts[0]
    duck = duckdb.sql(f"SELECT count(*) FROM read_parquet('{old}')").fetchall()[0][0]
    assert duck == old_rows
