"""The web app (issue 3): its API through gradio_client, hostile input, the cache, in-process checks.

One app runs in a subprocess for the module (u2netp, a 6-second cache age so expiry can be
watched); the in-process checks import app.py directly.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.appserver import start_app, stop_app
from tests.conftest import REPO, SHARED, jpeg_bytes, product_photo

FAST = "cepat"  # u2netp: the tests use the fast model; the app's default is ISNet
CACHE_AGE_S = 20  # short, so the sweep test ends soon; long enough that four queued users on a loaded
#                   2-core machine are served before the sweep takes their uploads


def sample_photo(tmp: Path) -> Path:
    """rembg's car-1.jpg from ../shared, or a generated product photo when ../shared is absent."""
    car = SHARED / "rembg" / "examples" / "car-1.jpg"
    if car.exists():
        return car
    path = tmp / "produk.jpg"
    path.write_bytes(jpeg_bytes(product_photo()))
    return path




def with_private_exif(src: Path, dst: Path) -> Path:
    """``src`` re-saved with GPS, device and time EXIF, as a phone would write it."""
    img = Image.open(src).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "PhoneModel X"
    exif[0x0132] = "2026:11:28 10:00:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)})
    img.save(dst, "JPEG", quality=92, exif=exif.tobytes())
    assert Image.open(dst).getexif().get_ifd(0x8825), "the test photo should carry GPS"
    return dst


def assert_listing_image(path: str | Path, size: tuple[int, int]) -> None:
    """Exact preset size, pure-white corners, no EXIF GPS/device/time."""
    img = Image.open(path)
    assert img.size == size
    rgb = img.convert("RGB")
    w, h = rgb.size
    for xy in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (3, 3), (w - 4, h - 4)):
        assert rgb.getpixel(xy) == (255, 255, 255), xy
    exif = img.getexif()
    assert not exif.get_ifd(0x8825), "GPS data leaked"
    for tag in (0x010F, 0x0110, 0x0132, 0x9003):
        assert tag not in exif, hex(tag)


# --- The server for this module --------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    proc, url, cache = start_app(tmp, ETALASE_CACHE_MAX_AGE_S=str(CACHE_AGE_S), ETALASE_MAX_UPLOAD_TOTAL_MB="30")
    yield url, cache, tmp
    stop_app(proc)


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[0], verbose=False)


def test_process_photo_api_returns_listing_images(client, server, tmp_path):
    from gradio_client import handle_file

    photo = with_private_exif(sample_photo(tmp_path), tmp_path / "foto hp.jpg")
    files = client.predict(handle_file(str(photo)), "umum,shopee", FAST, api_name="/process_photo")
    assert [Path(f).name for f in files] == ["foto-hp-umum.jpg", "foto-hp-shopee.jpg"]
    assert_listing_image(files[0], (1200, 1200))
    assert_listing_image(files[1], (1024, 1024))
    assert all(Path(f).stat().st_size <= 2_000_000 for f in files)


def test_concurrent_users_all_get_their_images(server, tmp_path):
    """A small load test: users at once wait in the queue and each gets a correct image."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client, handle_file

    photo = sample_photo(tmp_path)

    def one_user(i: int) -> list:
        user = Client(server[0], verbose=False)
        return user.predict(handle_file(str(photo)), "shopee", FAST, api_name="/process_photo")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one_user, range(4)))
    assert len(results) == 4
    for files in results:
        assert_listing_image(files[0], (1024, 1024))


def test_process_photo_api_defaults_to_umum(client, tmp_path):
    from gradio_client import handle_file

    files = client.predict(handle_file(str(sample_photo(tmp_path))), api_name="/process_photo",
                           quality_value=FAST)
    assert len(files) == 1
    assert_listing_image(files[0], (1200, 1200))


# A text note or an empty file reaches the app, which says so in the vendor's language; a damaged
# JPEG too. What a browser would run (a page) is refused at the upload (the next test).
@pytest.mark.parametrize("content, lang, expected", [
    (b"this is a text file, not a photo\n", "id", "bukan foto yang bisa dibaca"),
    (b"this is a text file, not a photo\n", "en", "is not a photo we can read"),
    (b"", "id", "kosong"),
    (b"", "en", "is empty"),
    (b"\xff\xd8\xff\xe0 this is a text file, not a photo\n", "id", "rusak atau terpotong"),
    (b"\xff\xd8\xff\xe0 this is a text file, not a photo\n", "en", "is damaged or cut short"),
])
def test_bad_files_get_a_friendly_message_and_the_next_request_works(client, tmp_path, content, lang, expected):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    bad = tmp_path / "produk.jpg"
    bad.write_bytes(content)
    with pytest.raises(AppError) as err:
        client.predict(handle_file(str(bad)), "umum", FAST, lang, api_name="/process_photo")
    assert expected in str(err.value)
    assert "Traceback" not in str(err.value)
    files = client.predict(handle_file(str(sample_photo(tmp_path))), "umum", FAST, api_name="/process_photo")
    assert Image.open(files[0]).size == (1200, 1200)


def test_a_page_is_refused_at_the_upload_and_the_next_request_works(client, server, tmp_path):
    from gradio_client import handle_file

    url = server[0]
    page = b"<!doctype html><script>alert(1)</script>"
    refused = httpx.post(url + "/gradio_api/upload", files={"files": ("produk.jpg", page, "image/jpeg")}, timeout=30)
    assert refused.status_code == 415
    assert "bukan foto" in refused.json()["detail"] and "Traceback" not in refused.text
    files = client.predict(handle_file(str(sample_photo(tmp_path))), "umum", FAST, api_name="/process_photo")
    assert Image.open(files[0]).size == (1200, 1200)


def test_unknown_preset_is_a_friendly_message(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="bukan-marketplace"):
        client.predict(handle_file(str(sample_photo(tmp_path))), "bukan-marketplace", FAST,
                       api_name="/process_photo")


@pytest.mark.parametrize("path", [
    "/gradio_api/file=..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/gradio_api/file=../../../../etc/passwd",
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=%2Fetc%2Fpasswd",
    "/gradio_api/file=//etc/passwd",
    "/gradio_api/file=/proc/self/environ",
    "/gradio_api/file=app.py",
    "/gradio_api/file=" + str(REPO / "app.py"),
    "/file=/etc/passwd",
    "/gradio_api/file=file:///etc/passwd",
    "/gradio_api/file=http://127.0.0.1:1/x.jpg",
    "/gradio_api/file=https://example.com/x.jpg",
    "/gradio_api/proxy=http://127.0.0.1:1/x",
    "/static/../../../../etc/passwd",
    "/assets/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
])
def test_no_file_outside_the_cache_is_served(server, path):
    url = server[0]
    response = httpx.get(url + path, timeout=10)
    body = response.content
    assert not (response.status_code == 200 and (b"root:" in body or b"import gradio" in body
                                                 or b"ETALASE" in body)), (path, response.status_code)
    if "http" in path.split("=", 1)[-1]:
        assert response.status_code == 403, "the server must not fetch user-given URLs"


def test_url_inputs_are_refused(client, server):
    from gradio_client.exceptions import AppError

    # A URL where a file is expected: the server must not fetch it.
    payload = {"path": "http://127.0.0.1:1/photo.jpg", "url": "http://127.0.0.1:1/photo.jpg",
               "orig_name": "photo.jpg", "meta": {"_type": "gradio.FileData"}}
    with pytest.raises(AppError) as err:
        client.predict(payload, "umum", FAST, api_name="/process_photo")
    assert "URL" in str(err.value)


def test_a_server_path_as_input_is_refused(client):
    from gradio_client.exceptions import AppError

    payload = {"path": "/etc/passwd", "orig_name": "passwd.jpg", "meta": {"_type": "gradio.FileData"}}
    # gradio_client uploads the local file it names; the app refuses it (not a photo), or the route does.
    with pytest.raises((AppError, httpx.HTTPStatusError)) as err:
        client.predict(payload, "umum", FAST, api_name="/process_photo")
    if isinstance(err.value, httpx.HTTPStatusError):
        assert err.value.response.status_code == 415


def test_upload_size_is_capped(server):
    url = server[0]
    big = b"\xff\xd8" + os.urandom(1024) * (26 * 1024)  # 26 MiB > 25 MB
    response = httpx.post(url + "/gradio_api/upload", files={"files": ("big.jpg", big, "image/jpeg")}, timeout=60)
    assert response.status_code == 413
    ok = httpx.post(url + "/gradio_api/upload", files={"files": ("small.jpg", b"\xff\xd8" + b"0" * 1000)},
                    timeout=10)
    assert ok.status_code == 200
    # Each file under the cap, the request over the total (30 MB in this server): refused unread.
    part = b"\xff\xd8" + b"0" * 20_000_000
    many = [("files", (f"{i}.jpg", part, "image/jpeg")) for i in range(2)]
    assert httpx.post(url + "/gradio_api/upload", files=many, timeout=60).status_code == 413


def test_queue_and_limits_in_the_config(server):
    config = httpx.get(server[0] + "/config", timeout=10).json()
    assert config["enable_queue"] is True
    assert config["max_file_size"] == 25 * 1024 * 1024
    names = [d.get("api_name") for d in config["dependencies"]]
    assert "process_photo" in names


def test_uploads_and_outputs_leave_the_cache(client, server, tmp_path):
    """Run last in this module: with a 6 s age, every upload and output is deleted soon after."""
    from gradio_client import handle_file

    _, cache, _ = server
    client.predict(handle_file(str(sample_photo(tmp_path))), "umum", FAST, api_name="/process_photo")

    def files():
        # os.walk, not rglob: the sweeper deletes folders while we list them, and rglob raises
        # on a folder that vanished between listing and opening it; os.walk skips it.
        return [Path(root) / name for root, _, names in os.walk(cache) for name in names]

    assert files(), "the request should have left files in the cache"
    deadline = time.time() + CACHE_AGE_S + 10
    while files() and time.time() < deadline:
        time.sleep(0.5)
    assert files() == []


# --- In-process checks -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    os.environ["ETALASE_CACHE_DIR"] = str(tmp_path_factory.mktemp("inproc") / "cache")
    sys.path.insert(0, str(REPO))
    return importlib.import_module("app")


@pytest.fixture(scope="module")
def services(app):
    """The web app's services (file intake, outputs, zips, the cache), imported after ``app``."""
    return importlib.import_module("assistant.web.services")


@pytest.fixture(scope="module")
def render(app):
    """The web app's Markdown/HTML rendering."""
    return importlib.import_module("assistant.web.render")


def test_every_app_string_exists_in_both_languages_and_is_used(app):
    source = "\n".join(p.read_text() for p in [REPO / "app.py", *sorted((REPO / "assistant" / "web").rglob("*.py"))])
    strings = tomllib.loads((REPO / "assistant" / "strings" / "app.toml").read_text())
    used = set(re.findall(r"[\"'](app_[a-z0-9_-]+[a-z0-9])[\"']", source)) - {"app_kwargs"}
    assert used - set(strings) == set(), "keys used in app.py but missing from app.toml"
    dynamic = ("app_light_", "app_shadow_", "app_guide_", "app_device_", "app_mockup_source_",
               "app_mockup_hint_", "app_ui_", "app_colour_", "app_preset_hint_")
    unused = {k for k in strings if k not in used and not k.startswith(dynamic)}
    assert unused == set(), "strings nobody shows"
    for key, texts in strings.items():
        assert key.startswith("app_") and texts["id"].strip() and texts["en"].strip(), key


def test_every_lighting_and_guide_field_has_its_strings(app, render, services):
    from assistant.i18n import STRINGS

    for name in services.LIGHT_FIELDS:
        assert f"app_light_{name}_label" in STRINGS and f"app_light_{name}_info" in STRINGS, name
    for style in services.SHADOW_CHOICES:
        assert f"app_shadow_{style}" in STRINGS
    for field in render.GUIDE_FIELDS:
        assert f"app_guide_{field}" in STRINGS
    for kind in ("official", "article", "tool", "default"):  # how a rule's source is said (render.source_html)
        assert f"app_guide_src_{kind}" in STRINGS


def test_app_settings(app):
    demo = app.build_app()
    assert demo.delete_cache == (app.CACHE_SWEEP_S, app.CACHE_MAX_AGE_S)
    # Single photos, touch-ups (re-cut, apply, undo, redo), mockups, Promosi, Cek Foto and the API share the
    # "photo" lane; batches have their own, so a photo never waits behind a whole batch (issue 17).
    photo = [fn for fn in demo.fns.values() if fn.concurrency_id == "photo"]
    batch = [fn for fn in demo.fns.values() if fn.concurrency_id == "batch"]
    # the batch lane: a batch, and one photo of it redone (issue 17: "Proses ulang foto ini")
    assert len(photo) == 9 and sorted(fn.name for fn in batch) == ["redo_photo", "run_batch"], (len(photo), len(batch))
    assert all(fn.concurrency_limit == app.CONCURRENCY for fn in photo)
    from assistant.web.config import BATCH_CONCURRENCY
    assert all(fn.concurrency_limit == BATCH_CONCURRENCY for fn in batch)
    assert demo._queue.max_size == app.QUEUE_MAX
    kwargs = app.launch_kwargs()
    assert kwargs["max_file_size"] == "25mb" and kwargs["allowed_paths"] == []
    assert str(REPO) in kwargs["blocked_paths"]
    assert os.environ["GRADIO_TEMP_DIR"] == str(app.CACHE_DIR)


def test_guide_shows_numbers_sources_and_dates(app, render):
    from assistant.presets import list_presets, load_preset

    for name in list_presets():
        preset = load_preset(name)
        for lang in ("id", "en"):
            text = render.guide_md(name, lang)
            assert f"{preset.image.width}×{preset.image.height} px" in text
            # the date as a person writes it; the source said, not quoted (no package names or paths)
            assert render.date_text(preset.sources["width"].checked, lang) in text
            sources = "\n".join(line for line in text.splitlines() if line.startswith("<small>"))
            said = re.sub(r"href='[^']*'", "", sources)  # what is read, not the link's address
            assert "npm" not in said and "docs/" not in said and ".md" not in said
    assert "dicek 28 Nov 2026" in render.guide_md("shopee", "id")
    assert "checked 28 Nov 2026" in render.guide_md("shopee", "en")


def test_compliance_line(app, render):
    entry = {"preset": "shopee", "title": "Shopee", "path": "/x/foto-shopee.jpg", "width": 1024, "height": 1024,
             "bytes": 312_000, "want_width": 1024, "want_height": 1024, "max_bytes": 2_000_000,
             "background": "#FFFFFF", "want_background": "#FFFFFF", "transparent_allowed": False,
             "fill": 0.85, "want_fill": 0.85, "notices": []}
    line = render.compliance_md(entry, "id")
    assert "1024×1024 px" in line and "312 KB" in line and "2 MB" in line and "85%" in line
    assert "Ukuran, format dan latar sesuai aturan Shopee" in line and "⚠" not in line  # what was checked
    bad = dict(entry, background="#EEDDCC", bytes=2_500_000)
    line = render.compliance_md(bad, "en")
    assert "Check again" in line and "#EEDDCC" not in line and "cream" in line and "2,5" not in line and "2.5 MB" in line
    assert render.download_label(entry, "id") == "Unduh foto Shopee · JPG 1024×1024"


def test_batch_file_count_is_limited(app, services, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "MAX_BATCH_FILES", 3)
    photo = sample_photo(tmp_path)
    with pytest.raises(services.AppMessage) as err:
        services.stage_batch_inputs([str(photo)] * 4, tmp_path / "in")
    assert err.value.key == "app_batch_too_many"
    archive = tmp_path / "many.zip"  # one upload, five photos inside
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(5):
            z.write(photo, f"p{i}.jpg")
    with pytest.raises(services.AppMessage) as err:
        services.stage_batch_inputs([str(archive)], tmp_path / "in2")
    assert err.value.key == "app_batch_too_many" and "5" in err.value.message("en")
    with pytest.raises(services.AppMessage) as err:
        services.stage_batch_inputs([], tmp_path / "in3")
    assert err.value.key == "app_batch_need_files"
    assert services.stage_batch_inputs([str(photo), str(photo)], tmp_path / "in4") == 2  # same name twice: kept apart


def test_batch_hands_back_one_zip_per_vendor_with_a_grid_and_a_redo(app, render, services, tmp_path):
    """Issue 17 item 5, the app's side: a zip per vendor holding its folder (a folder per marketplace,
    identical images once, its own upload sheets, no thumbnails, no reports), one zip with everything
    and an Indonesian report.csv without server folders, the photos with their verdicts for the grid,
    and one photo redone with other settings while the others stay as they were."""
    from assistant.web import batch_run

    photo = sample_photo(tmp_path)
    bad = tmp_path / "rusak.jpg"
    bad.write_bytes(b"not a photo")
    archive = tmp_path / "toko.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(photo, "rak/produk.jpg")
        z.writestr("../../jahat.jpg", b"x")
    calls = []
    run, result = batch_run.run_files([str(photo), str(bad), str(archive)], ["umum", "tokopedia"], "u2netp", None,
                                      "id", progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] >= 3
    names = [Path(p).name for p in run["downloads"]]
    assert names[:2] == ["rak.zip", "hasil-foto.zip"] and names[2].startswith("semua-hasil-dan-laporan-")
    assert all(Path(p).is_relative_to(services.OUT_ROOT) for p in run["downloads"])
    with zipfile.ZipFile(run["downloads"][0]) as z:
        assert set(z.namelist()) == {"rak/umum+tokopedia/produk.jpg", "rak/upload/umum.csv", "rak/upload/tokopedia.csv"}
    with zipfile.ZipFile(run["downloads"][1]) as z:
        assert set(z.namelist()) == {f"umum+tokopedia/{photo.name}", "upload/umum.csv", "upload/tokopedia.csv"}
    with zipfile.ZipFile(run["downloads"][2]) as z:
        every = set(z.namelist())
        report = z.read("report.csv").decode()
    assert not any(n.startswith(("/", "..", "thumbs")) or "jahat" in n for n in every)
    assert report.startswith("foto,marketplace,berkas_hasil,status,pesan")
    assert "rusak.jpg" in report and "bukan foto" in report and "gagal" in report
    assert str(services.CACHE_DIR) not in report and "foto/" not in report  # no server or staging folders
    assert f"\n{photo.name},umum," in report and "toko.zip!rak/produk.jpg" in report
    summary = render.batch_summary_md(result, 3.2, "id")
    assert "2 foto berhasil" in summary and "rusak.jpg" in summary
    # the CLI given the same files lays them out the same way
    from assistant.cli import main

    cli = tmp_path / "cli"
    assert main(["process", str(photo), str(bad), str(archive), "--preset", "umum,tokopedia", "--out", str(cli),
                 "--model", "u2netp", "--zip", "none"]) == 1  # rusak.jpg fails
    made = {p.relative_to(cli).as_posix() for p in cli.rglob("*") if p.is_file()
            and p.parts[len(cli.parts)] not in ("thumbs", ".etalase") and p.name not in ("report.csv", "report.html")}
    assert made == {n for n in every if n not in ("report.csv", "report.html")}, (made, every)
    # the grid: each photo with its verdict and thumbnail; the filter keeps those that want a look
    photos = run["photos"]
    assert [p["relative"] for p in photos] == [photo.name, "rusak.jpg", "rak/produk.jpg"]
    assert photos[1]["verdict"] == "failed" and "bukan foto" in photos[1]["headline"]
    assert {photos[0]["verdict"], photos[2]["verdict"]} <= {"ok", "check"}
    assert all(Path(p["thumb"]).is_file() for p in photos)  # a failed photo gets a tile too
    items = batch_run.grid_items(photos, batch_run.shown(photos, "all"), "id")
    assert len(items) == 3 and items[1][1] == "✗ rusak.jpg" and items[2][1].endswith("produk.jpg")
    check = batch_run.shown(photos, "check")
    assert check == [i for i, p in enumerate(photos) if p["verdict"] != "ok"] and 1 in check
    assert batch_run.filter_choices(photos, "id")[1] == (f"Perlu dicek ({len(check)})", "check")
    detail = batch_run.photo_detail_md(photos[2], "id")
    assert "dari rak" in detail and "Satu berkas untuk umum + tokopedia" in detail
    # redo one photo with another background: only it is processed, the other is kept as it was
    kept = Path(run["work"]) / "hasil" / "umum+tokopedia" / photo.name
    stamp = kept.stat().st_mtime_ns
    before = (Path(run["work"]) / "hasil" / "rak" / "umum+tokopedia" / "produk.jpg").read_bytes()
    again, result2 = batch_run.redo_photo(run, "rak/produk.jpg", "u2netp", "#E0E0E0", "id")
    assert (result2.processed, result2.resumed) == (1, 2)  # the car and rusak.jpg as they were
    assert kept.stat().st_mtime_ns == stamp
    with zipfile.ZipFile(again["downloads"][0]) as z:
        assert z.read("rak/umum+tokopedia/produk.jpg") != before
    # the kept work folder goes with the cache age; a redo after that says so
    services.sweep_cache(now=time.time() + app.CACHE_MAX_AGE_S + 5)
    with pytest.raises(services.AppMessage) as err:
        batch_run.redo_photo(run, "rak/produk.jpg", "u2netp", None, "id")
    assert err.value.key == "batch_app_redo_gone"


def test_sweep_removes_old_files_only(app, services):
    old = services.OUT_ROOT / "old" / "a.jpg"
    new = services.OUT_ROOT / "new" / "b.jpg"
    for p in (old, new):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    past = time.time() - app.CACHE_MAX_AGE_S - 5
    os.utime(old, (past, past))
    services.sweep_cache()
    assert not old.exists() and not old.parent.exists()
    assert new.exists()


def test_messages_are_escaped(app, render):
    from assistant import AssistantError

    text = render.friendly(AssistantError("photo_not_image", name="<img src=x onerror=alert(1)>.jpg"), "id")
    assert "<img" not in text and "&lt;img" in text


def test_outputs_written_by_the_app_carry_no_metadata(app, services, tmp_path):
    photo = with_private_exif(sample_photo(tmp_path), tmp_path / "gps.jpg")
    state, _ = services.process_photo_files(str(photo), "umum,shopee", "u2netp")
    for entry in state["outputs"]:
        assert_listing_image(entry["path"], (entry["want_width"], entry["want_height"]))
    assert not Image.open(state["before"]).getexif()


# --- Listing checks, touch-up brush, packaging mockups, photo guide ------------------------------


@pytest.fixture(scope="module")
def blurred(app, services, tmp_path_factory):
    """A blurred phone photo processed for "umum" with the fast model: (state, Result)."""
    from PIL import ImageFilter

    path = tmp_path_factory.mktemp("blur") / "buram.jpg"
    path.write_bytes(jpeg_bytes(product_photo().filter(ImageFilter.GaussianBlur(6))))
    return services.process_photo_files(str(path), "umum", "u2netp", checks=True)


def test_checks_beside_a_blurred_result_give_the_tip(app, render, blurred):
    state, _ = blurred
    entry = state["outputs"][0]
    found = {c.check: c.status for c in entry["checks"]}
    assert found["blur"] in ("warn", "fail")
    text = render.checks_md(entry, "id")
    assert "Ketajaman" in text and "Foto kurang tajam" in text and "Pegang HP dengan dua tangan" in text
    assert "pemeriksaan lain sudah bagus" in text  # the checks that passed are folded into a count
    assert "not sharp" in render.checks_md(entry, "en")
    assert render.checks_md(dict(entry, checks=[]), "id") == ""


def _product_box(alpha):
    import numpy as np

    ys, xs = np.nonzero(np.asarray(alpha) > 127)
    return xs.min(), ys.min(), xs.max(), ys.max()


def test_touch_up_remove_stroke_takes_that_part_away(app, services, blurred):
    import numpy as np

    state, result = blurred
    photo = result.photo
    x0, y0, x1, y1 = _product_box(photo.alpha)
    mid = (x0 + x1) // 2
    # The editor shows the photo at most TOUCH_VIEW_SIDE px: strokes come back at that size.
    view = services.touch_view(photo)
    assert max(view.size) <= services.TOUCH_VIEW_SIDE
    sx, sy = view.size[0] / photo.size[0], view.size[1] / photo.size[1]
    layer = np.zeros((view.size[1], view.size[0], 4), np.uint8)
    layer[int((y0 - 10) * sy):int((y1 + 10) * sy), int((mid + 8) * sx):int((x1 + 30) * sx)] = (220, 38, 38, 255)
    keep, remove = services.stroke_masks({"background": None, "layers": [layer], "composite": None}, photo.size)
    assert remove.shape == (photo.size[1], photo.size[0]) and remove.any() and not keep.any()
    before = np.asarray(photo.alpha) > 127
    new_state, touched = services.touch_up_files(photo, keep, remove, "umum", "u2netp", stem="buram", checks=True)
    after = np.asarray(touched.photo.alpha) > 127
    right, left = np.s_[:, mid + 20:], np.s_[:, :mid - 20]
    assert after[right].sum() < 0.1 * before[right].sum(), "the brushed half is removed"
    assert after[left].sum() > 0.8 * before[left].sum(), "the rest of the product stays"
    # The listing image is made again from the touched cut-out: the product is now much narrower.
    out = Image.open(new_state["outputs"][0]["path"]).convert("L")
    bx0, by0, bx1, by1 = Image.eval(out, lambda v: 255 if v < 235 else 0).getbbox()
    old = Image.open(state["outputs"][0]["path"]).convert("L")
    ox0, oy0, ox1, oy1 = Image.eval(old, lambda v: 255 if v < 235 else 0).getbbox()
    assert (bx1 - bx0) / (by1 - by0) < 0.75 * (ox1 - ox0) / (oy1 - oy0)
    assert new_state["outputs"][0]["checks"], "the checks run on the new result too"
    with pytest.raises(services.AppMessage) as err:
        services.touch_up_files(photo, np.zeros_like(keep), np.zeros_like(keep), "umum", "u2netp")
    assert err.value.key == "app_touch_need_strokes"


def test_stroke_colours_and_scaling(app, services):
    import numpy as np

    layer = np.zeros((50, 100, 4), np.uint8)
    layer[10:20, 10:20] = (22, 163, 74, 255)  # keep (green)
    layer[30:40, 60:80] = (220, 38, 38, 255)  # remove (red)
    keep, remove = services.stroke_masks({"layers": [layer]}, (200, 100))
    assert keep.shape == (100, 200)
    assert keep[30, 30] and not keep[70, 140] and remove[70, 140] and not remove[30, 30]
    assert keep.sum() == 20 * 20 and remove.sum() == 40 * 20
    empty = services.stroke_masks(None, (20, 10))
    assert not empty[0].any() and not empty[1].any()


def test_mockups_at_the_preset_size_and_badge_reason(app, render, services, tmp_path):
    from assistant import AssistantError

    assert "pouch" in services.template_names()
    thumbs = services.template_thumbnails()
    assert set(thumbs) == set(services.template_names()) and all(v.startswith("data:image/webp") for v in thumbs.values())
    assert services.template_title("pouch", "id") != "pouch"
    label = services.make_label("brand", brand_name="Keripik Bu Ani", brand_colour="rgba(194, 65, 12, 1)",
                           tagline="Renyah")
    entries = services.mockup_files(label, "pouch,jar", "shopee", body_colour="#1E3A8A")
    assert [e["template"] for e in entries] == ["pouch", "jar"]
    for e in entries:
        assert Image.open(e["path"]).size == (1024, 1024) == (e["width"], e["height"])
        assert Path(e["path"]).is_relative_to(services.OUT_ROOT)
    assert "Standing pouch" in render.mockup_download_label(entries[0], "id")
    # A design file, and a badge where the preset allows overlays (Instagram).
    design = tmp_path / "label.png"
    label.save(design)
    made = services.mockup_files(services.make_label("design", str(design)), ["box"], "instagram-portrait", badge="PROMO -20%")
    assert Image.open(made[0]["path"]).size == (1080, 1350)
    # A badge on a marketplace whose main image forbids overlays: the reason, in the vendor's language.
    with pytest.raises(AssistantError) as err:
        services.mockup_files(label, ["pouch"], "umum", badge="PROMO -20%")
    assert err.value.code == "mockup_overlays_forbidden"
    assert "melarang" in render.friendly(err.value, "id") and "forbids" in render.friendly(err.value, "en")
    for kwargs, key in ((dict(source="brand"), "app_mockup_need_brand"),
                        (dict(source="design"), "app_mockup_need_label")):
        with pytest.raises(services.AppMessage) as msg:
            services.make_label(**kwargs)
        assert msg.value.key == key
    with pytest.raises(services.AppMessage) as msg:
        services.mockup_files(label, "", "umum")
    assert msg.value.key == "app_mockup_need_template"


def test_photo_guide_text_and_pictures(app, render, services, tmp_path, monkeypatch):
    from assistant.i18n import t

    text = render.photo_guide_md("id")
    assert text.startswith("### Panduan foto")
    steps = render.guide_steps()
    assert steps and all(k.startswith("check_guide_") for k in steps)
    positions = [text.find(t(k, "id").split(":")[-1].strip()[:30]) for k in steps]
    assert all(p > 0 for p in positions) and positions == sorted(positions), "every step, in order"
    assert "Photo guide" in render.photo_guide_md("en")
    # Pictures are shown only for pairs that are on disk.
    monkeypatch.setattr(services, "GUIDE_PICTURES_DIR", tmp_path)
    assert services.guide_pictures() == []
    key, before, after = services.check_guide.GUIDE_PICTURES[0]
    for name in (before, after):
        Image.new("RGB", (200, 200), "white").save(tmp_path / name)
    assert services.guide_pictures() == [(key, tmp_path / before, tmp_path / after)]


# --- Issue 17: the app as a vendor on a phone lives it --------------------------------------------


def test_a_photo_to_retake_is_never_a_green_done(app, render):
    """A near-black photo came out a black silhouette under a green "Selesai". Issue 16: the line is
    the library's verdict (readiness.verdict, the batch report's and the CLI's), never a second logic."""
    from assistant.presets import load_preset
    from assistant.readiness.verdict import verdict_for
    from assistant.stages.checks import CheckResult

    def check(name, status):
        key = {"exposure": "check_exposure_dark"}.get(name, f"check_{name}_{'ok' if status == 'ok' else 'bad'}")
        return CheckResult(name, status, 0.0, key, {})

    shopee = load_preset("shopee")
    market = [check("background", "ok"), CheckResult("file_size", "ok", 0.0, "check_file_size_ok",
                                                     {"kb": 100, "cap_kb": 2000})]

    def entry(*checks):
        return {"title": {"id": "Shopee", "en": "Shopee"}, "verdict": verdict_for(market + list(checks), (), shopee)}

    line = render.photo_verdict([entry(check("exposure", "fail"), check("blur", "ok"))], 4.25, "u2netp", "id")
    assert "etalase-retake" in line and "etalase-ok" not in line and "Sebaiknya foto ulang" in line
    assert "4,2" in line  # how long it took, under the verdict
    fine = render.photo_verdict([entry(check("blur", "ok"))], 3.0, "u2netp", "id")
    assert "etalase-ok" in fine and "Siap diunggah" in fine
    assert "Ukuran, format dan latar sesuai aturan Shopee" in fine
    warned = render.photo_verdict([entry(check("cutoff", "warn"))], 3.0, "u2netp", "id")
    assert "etalase-verdict-check" in warned and "Bisa diunggah, tapi cek dulu: produk terpotong tepi foto" in warned
    # Without a verdict (the checks broke) the line says it is done, never that it is ready.
    assert "Siap" not in render.photo_verdict([{"title": "Shopee"}], 3.0, "u2netp", "id")


def test_a_near_black_photo_is_told_to_retake(app, services, render, tmp_path):
    import numpy as np

    dark = (np.asarray(product_photo((900, 700))).astype(float) * 0.06).astype(np.uint8)
    path = tmp_path / "gelap.jpg"
    Image.fromarray(dark).save(path, quality=92)
    state, _ = services.process_photo_files(str(path), "umum", "u2netp", checks=True)
    assert "Sebaiknya foto ulang" in render.photo_verdict(state["outputs"], 5.0, "u2netp", "id")


def test_checks_every_card_shares_show_once(app, render, blurred):
    state, _ = blurred
    entry = state["outputs"][0]
    second = dict(entry, title={"id": "Shopee", "en": "Shopee"})
    shared = render.shared_checks([entry, second], "id")
    assert shared
    other = render.checks_md(second, "id", shared=shared, first="Umum")
    assert "sama seperti di Umum" in other and "Foto kurang tajam" not in other


def test_no_colour_code_model_or_path_in_the_indonesian_text(app, render):
    entry = {"preset": "shopee", "title": "Shopee", "path": "/x/a.jpg", "width": 1024, "height": 1024,
             "bytes": 1000, "want_width": 1024, "want_height": 1024, "max_bytes": 2_000_000,
             "background": "#FFFFFF", "want_background": "#FFFFFF", "transparent_allowed": False, "fill": 0.85,
             "want_fill": 0.85, "notices": [("transparent_not_allowed", {"preset": "Shopee", "colour": "#FFFFFF"})]}
    text = render.compliance_md(entry, "id") + render.footer("id")
    for name in ("shopee", "tokopedia", "lazada", "umum", "amazon"):
        text += render.guide_md(name, "id")
    assert not re.search(r"#[0-9A-Fa-f]{6}\b", text), text
    assert "latar putih" in text
    assert not re.search(r"isnet|u2net|model:|npm|\.d\.ts|docs/|\.md\b", text), text
    assert "dicek 28 Nov 2026" in render.guide_md("shopee", "id")
    assert "<a href='https://" in render.guide_md("shopee", "id")  # the address behind a link


def test_decimals_take_a_comma_in_indonesian():
    from assistant.i18n import t

    assert "2,7 kali" in t("check_resolution_bad", "id", have=382, need=1020, factor="2.7")
    assert "2.7" in t("check_resolution_bad", "en", have=382, need=1020, factor="2.7")


def test_marketplaces_in_the_order_sellers_use_them(app, services):
    from assistant.web import widgets

    names = services.PRESET_NAMES
    assert names[:4] == ["umum", "shopee", "tokopedia", "lazada"]
    assert names.index("amazon") > names.index("gofood") and names[-1] in ("amazon", "etsy")
    assert "tiktok-shop" not in names  # one entry for Tokopedia & TikTok Shop (one shop, one set of rules)
    labels = dict((v, k) for k, v in widgets.preset_choices("id"))
    assert labels["tokopedia"].startswith("Tokopedia & TikTok Shop · ")
    assert all(" · " in labels[n] for n in names)  # each with its one-line hint


def test_download_names_are_cut_at_a_word_boundary(app, services):
    stem = services.safe_stem("keripik-singkong-pedas-manis-bu-ani-ukuran-besar-500g.jpg")
    assert len(stem) <= 40 and stem == "keripik-singkong-pedas-manis-bu-ani"


def test_emoji_never_reach_a_label(app, services):
    assert services.printable_text("Keripik Bu Ani 🌶️🔥") == ("Keripik Bu Ani", True)
    assert services.printable_text("Sambal Bu Tini™") == ("Sambal Bu Tini™", False)


def test_before_and_after_are_framed_alike(app, services, blurred):
    """The slider's "before" shows the product where the output has it, at the same scale."""
    state, result = blurred
    entry = state["outputs"][0]
    after = Image.open(entry["path"])
    assert Image.open(entry["before"]).size == after.size
    # The photo's own product mask, framed the same way: its box is the output's product box.
    mask = result.photo.with_(image=Image.merge("RGB", [result.photo.alpha] * 3))
    framed = services.framed_before(mask, after.size, result.outputs[0].preset.image.fill)
    framed_box = Image.eval(framed.convert("L"), lambda v: 255 if v > 128 else 0).getbbox()
    out_box = Image.eval(after.convert("L"), lambda v: 255 if v < 200 else 0).getbbox()
    tolerance = 0.04 * after.size[0]
    assert all(abs(a - b) < tolerance for a, b in zip(framed_box, out_box)), (framed_box, out_box)


def test_a_heic_upload_gets_a_preview_and_junk_is_refused_at_once(app, services, tmp_path):
    pytest.importorskip("pillow_heif")
    heic = tmp_path / "iphone.heic"
    product_photo((640, 480)).save(heic, "HEIF")
    preview = services.viewable_upload(str(heic))
    assert preview.endswith(".jpg") and Image.open(preview).format == "JPEG"
    jpeg = tmp_path / "biasa.jpg"
    jpeg.write_bytes(jpeg_bytes(product_photo((640, 480))))
    assert services.viewable_upload(str(jpeg)) == str(jpeg)
    junk = tmp_path / "catatan.jpg"
    junk.write_text("bukan foto")
    with pytest.raises(Exception) as info:
        services.viewable_upload(str(junk))
    assert "bukan foto yang bisa dibaca" in info.value.message("id")


def test_batch_summary_says_how_many_want_a_look(app, render):
    from types import SimpleNamespace as NS

    rows = [NS(input="a.jpg", preset="umum", status="ok", warnings="check_resolution", message=""),
            NS(input="b.jpg", preset="umum", status="ok", warnings="", message="")]
    summary = render.batch_summary_md(NS(rows=rows), 10, "id")
    assert "2 foto berhasil" in summary and "1 dari 2 foto yang berhasil perlu dicek" in summary
    assert summary.startswith("⚠")


def test_a_batch_runs_in_a_lower_priority_worker_that_pauses_for_a_single_photo(app, services, tmp_path):
    """The batch is another process at nice +10 (round 7: in the app's own process it starved the
    server); while a single photo runs it reports no further photo, and it finishes after."""
    import threading

    import psutil

    from assistant.web import batch_run, batch_worker

    photos = []
    for i in range(8):
        path = tmp_path / f"w-{i}.jpg"
        path.write_bytes(jpeg_bytes(product_photo((500, 400), seed=i)))
        photos.append(str(path))
    seen: list[tuple[float, int]] = []
    outcome = {}
    batch = threading.Thread(target=lambda: outcome.update(result=batch_run.run_files(
        photos, ["umum"], "u2netp", None, "id", progress=lambda done, total: seen.append((time.monotonic(), done)))))
    batch.start()
    deadline = time.monotonic() + 120
    while not any(done >= 1 for _, done in seen) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen, "the batch never reported a photo"
    (worker,) = batch_worker._busy
    child = psutil.Process(worker.proc.pid)
    assert child.pid != os.getpid() and child.nice() == min(19, psutil.Process().nice() + batch_worker.NICE)
    with services.single_photo_running():
        time.sleep(0.5)  # the photo in flight may still report
        held_from, count = time.monotonic(), len(seen)
        time.sleep(2.0)
        assert len(seen) == count, "the batch went on while a single photo ran"
    batch.join(120)
    run, result = outcome["result"]
    assert result.processed == 8 and seen[-1][1] == 8 and seen[-1][0] > held_from + 2
    assert len(run["photos"]) == 8


def test_photos_put_into_banyak_foto_start_the_worker_and_load_its_model(app, services, tmp_path):
    """Round 8's phone walk: the first batch still said 0 of 6 after 13 s, its worker starting.
    Putting photos into the tab starts the worker and loads the model; the batch then takes it."""
    import psutil

    from assistant.web import batch_run, batch_worker

    with batch_worker._pool_lock:  # no warm worker left by an earlier test
        left, batch_worker._idle[:] = list(batch_worker._idle), []
    for worker in left:
        worker.stop()
    batch_worker.prepare("u2netp")
    batch_worker.prepare("u2netp")  # a second call starts nothing more
    (worker,) = batch_worker._idle
    child = psutil.Process(worker.proc.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any("onnxruntime" in m.path for m in child.memory_maps()):
        time.sleep(0.2)
    assert any("onnxruntime" in m.path for m in child.memory_maps()), "the model was not loaded before the batch"
    photos = []
    for i in range(2):
        path = tmp_path / f"p-{i}.jpg"
        path.write_bytes(jpeg_bytes(product_photo((500, 400), seed=i)))
        photos.append(str(path))
    run, result = batch_run.run_files(photos, ["umum"], "u2netp", None, "id")
    assert result.processed == 2
    assert batch_worker._idle == [worker] and worker.alive(), "the batch did not take the prepared worker"


def test_an_error_in_the_batch_worker_reaches_the_app_in_the_vendors_words(app, services, render, tmp_path):
    from assistant import AssistantError
    from assistant.web import batch_run

    with pytest.raises(AssistantError) as err:
        batch_run.run_files([str(sample_photo(tmp_path))], ["tidak-ada"], "u2netp", None, "id")
    assert err.value.code == "preset_unknown", err.value.code
    assert "tidak-ada" in render.friendly(err.value, "id")
    with pytest.raises(services.AppMessage) as err:
        batch_run.run_files([], ["umum"], "u2netp", None, "id")
    assert err.value.key == "app_batch_need_files"


@pytest.mark.shared
def test_label_photo_without_a_label_is_refused_in_plain_words(app, services, render):
    """Issue 17 item 6: "Foto label tercetak" with a real photo that has no label (mangoes in crates)
    mounted a crate outline as the label and said "selesai"; now it is refused, in plain Indonesian."""
    from assistant import AssistantError
    from tests.conftest import shared_path

    photo = shared_path("grocery_phone", "images", "Fruit__Mango__Mango_001.jpg")
    with pytest.raises(AssistantError) as err:
        services.make_label("photo", str(photo))
    text = render.friendly(err.value, "id")
    assert "Label tidak ditemukan" in text and "selesai" not in text.lower()
    assert not re.search(r"mockup_|#[0-9A-Fa-f]{6}|/", text)
