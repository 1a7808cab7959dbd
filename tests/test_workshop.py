"""Issue 21, end to end with real processes and real HTTP: the wheel, `etalase serve --lan`
with its access code, private files per session, the "Bagikan" button in Chromium.

1. A wheel is built from a copy of the repository's files (`pip wheel . --no-deps`) and
   installed into a fresh virtual environment; nothing of the checkout is importable there
   (`import assistant` resolves into the new venv's site-packages, from a temporary folder).
   The dependencies come from the pinned set (.venv) through one .pth line, as the tests run
   offline; every Requires-Dist of the wheel is checked against what that venv imports.
2. From that venv: `etalase process photo.jpg --preset umum --out out`, `etalase serve`.
3. `etalase serve --lan --code ...` from that venv: without the code no page, no API, no file;
   with it (gradio_client auth) the API works; another session cannot list or guess the
   first one's files; wrong codes are rate-limited (last test: it locks 127.0.0.1 out).
4. The share button in Chromium: navigator.share gets the file, else a download happens.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from tests.appserver import free_port, stop_app, wait_until_up
from tests.conftest import REPO, jpeg_bytes, product_photo

CODE = "KODE42"
START_TIMEOUT_S = 240
CHROMIUM = "/usr/bin/chromium"


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 600), **kw)
    assert result.returncode == 0, f"{cmd}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("wheel")
    # The repository's files (tracked and new, not ignored): what a clone or a zip download has.
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO).stdout.split("\0")
    src = tmp / "src"
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist")],
        cwd=src)
    wheel = next((tmp / "dist").glob("etalase-*.whl"))
    env_dir = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    python = env_dir / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # Dependencies: the pinned set, appended after the venv's own site-packages (offline tests).
    (site / "zz_pinned_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)])
    work = tmp / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(ETALASE_LANG="id", ETALASE_WARM="", GRADIO_ANALYTICS_ENABLED="False",
               PATH=f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return {"python": python, "etalase": env_dir / "bin" / "etalase", "site": site, "work": work, "env": env,
            "wheel": wheel}


def test_the_wheel_installs_without_the_checkout(venv):
    out = run([str(venv["python"]), "-c", """
import json, importlib.metadata as md, assistant, assistant.presets as p, assistant.mockup.templates as t
from assistant.web import config
req = [r.split(';')[0].split('[')[0].split('>')[0].split('<')[0].split('=')[0].strip() for r in md.requires('etalase')
       if 'extra ==' not in r]
print(json.dumps({'file': assistant.__file__, 'presets': str(p.PRESETS_DIR), 'mockups': str(t.MOCKUPS_DIR),
                  'n_presets': len(p.list_presets()), 'guide': str(config.GUIDE_PICTURES_DIR),
                  'missing': [r for r in req if not md.distribution(r)], 'version': md.version('etalase')}))
"""], cwd=venv["work"], env=venv["env"]).stdout
    info = json.loads(out)
    site = str(venv["site"])
    for key in ("file", "presets", "mockups", "guide"):
        assert info[key].startswith(site), (key, info[key])
        assert not info[key].startswith(str(REPO))
    assert info["n_presets"] >= 10 and not info["missing"]
    assert Path(info["guide"]).is_dir() and any(Path(info["guide"]).iterdir())


def test_etalase_process_from_the_wheel(venv):
    photo = venv["work"] / "photo.jpg"
    photo.write_bytes(jpeg_bytes(product_photo(seed=3)))
    run([str(venv["etalase"]), "process", "photo.jpg", "--preset", "umum", "--out", "out", "--model", "u2netp"],
        cwd=venv["work"], env=venv["env"])
    made = [p for p in (venv["work"] / "out").rglob("*.jpg")]
    assert made, list((venv["work"] / "out").rglob("*"))
    from PIL import Image

    assert max(Image.open(p).size[0] for p in made) >= 800  # the listing image (beside any thumbnails)



def test_dask_workers_import_the_installed_package(venv, tmp_path):
    """The README's scale-out route with the package installed: a real `dask scheduler` and
    `dask worker` started from the venv, in a folder with no checkout and no PYTHONPATH."""
    port = free_port()
    env = dict(venv["env"], DASK_DISTRIBUTED__WORKER__DAEMON="False")
    logs = [(tmp_path / "scheduler.log").open("wb"), (tmp_path / "worker.log").open("wb")]
    procs = [subprocess.Popen([str(venv["python"]), "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], cwd=tmp_path, env=env, stdout=logs[0], stderr=subprocess.STDOUT)]
    try:
        procs.append(subprocess.Popen([str(venv["python"]), "-m", "dask", "worker", f"tcp://127.0.0.1:{port}",
                                       "--nworkers", "1", "--nthreads", "2", "--no-dashboard"], cwd=tmp_path, env=env,
                                      stdout=logs[1], stderr=subprocess.STDOUT))
        photos = tmp_path / "masuk"
        photos.mkdir()
        for i in range(3):
            (photos / f"p{i}.jpg").write_bytes(jpeg_bytes(product_photo(seed=20 + i)))
        run([str(venv["etalase"]), "process", "masuk", "--preset", "umum", "--out", "hasil", "--model", "u2netp",
             "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"], cwd=tmp_path, env=venv["env"])
        import csv

        rows = list(csv.DictReader((tmp_path / "hasil" / "report.csv").open(encoding="utf-8")))
        assert [r["status"] for r in rows] == ["berhasil"] * 3, rows  # Indonesian by default
    finally:
        for proc in reversed(procs):
            stop(proc)
        for log in logs:
            log.close()


def start_serve(venv, tmp: Path, *args: str) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log = tmp / "serve.log"
    env = dict(venv["env"], ETALASE_CACHE_DIR=str(tmp / "cache"))
    with log.open("wb") as handle:
        proc = subprocess.Popen([str(venv["etalase"]), "serve", "--port", str(port), *args], cwd=venv["work"], env=env,
                                stdout=handle, stderr=subprocess.STDOUT)
    return proc, wait_until_up(proc, f"http://127.0.0.1:{port}", log, START_TIMEOUT_S, "/healthz"), log


def stop(proc: subprocess.Popen) -> None:
    stop_app(proc, timeout_s=15)


def test_etalase_serve_from_the_wheel(venv, tmp_path):
    proc, url, log = start_serve(venv, tmp_path)
    try:
        page = httpx.get(url + "/", timeout=30)
        assert page.status_code == 200
        config = httpx.get(url + "/config", timeout=30)
        assert config.status_code == 200 and "process-btn" in config.text  # no login on 127.0.0.1
        assert httpx.get(url + "/healthz").json() == {"status": "ok"}
        manifest = httpx.get(url + "/manifest.json").json()
        assert manifest["name"] == "Etalase" and manifest["icons"][0]["src"].endswith("/192")
        assert httpx.get(url + manifest["icons"][0]["src"]).headers["content-type"] == "image/png"
    finally:
        stop(proc)


# --- Workshop mode: --lan with an access code ------------------------------------------------


@pytest.fixture(scope="module")
def lan(venv, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lan")
    proc, url, log = start_serve(venv, tmp, "--lan", "--code", CODE.lower())
    yield {"url": url, "log": log, "tmp": tmp}
    stop(proc)


def login(url: str, code: str = CODE, name: str = "penjual") -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    response = client.post("/login", data={"username": name, "password": code})
    assert response.status_code == 200, response.text
    return client


def upload_and_process(client: httpx.Client, photo: Path) -> tuple[str, str]:
    """(the upload's server path, the output's URL) through Gradio's own HTTP API."""
    with photo.open("rb") as handle:
        up = client.post("/gradio_api/upload", files={"files": (photo.name, handle, "image/jpeg")})
    assert up.status_code == 200, up.text
    path = up.json()[0]
    data = [{"path": path, "meta": {"_type": "gradio.FileData"}}, "umum", "cepat", "id"]
    event = client.post("/gradio_api/call/process_photo", json={"data": data}).json()["event_id"]
    stream = client.get(f"/gradio_api/call/process_photo/{event}", timeout=600).text
    complete = stream.split("event: complete", 1)[1].split("data:", 1)[1].strip().splitlines()[0]
    return path, json.loads(complete)[0][0]["url"]


def test_lan_prints_the_address_qr_and_code(lan):
    deadline = time.time() + 30
    while "Kode akses" not in lan["log"].read_text() and time.time() < deadline:
        time.sleep(0.2)
    text = lan["log"].read_text()
    assert "Kode akses: " + CODE in text and "Buka di HP" in text and "/qr" in text
    assert "▄" in text or "█" in text  # the QR code, drawn in the terminal
    page = httpx.get(lan["url"] + "/qr").text
    assert "<svg" in page and CODE in page  # from this machine (127.0.0.1) the code shows too


def test_without_the_code_no_page_no_api_no_file(lan):
    url = lan["url"]
    page = httpx.get(url + "/", timeout=30)
    assert "process-btn" not in page.text and "Foto Produk" not in page.text  # only the login
    assert httpx.get(url + "/config").status_code == 401
    assert "kode akses" in httpx.get(url + "/config").json()["detail"]["auth_message"]
    assert httpx.get(url + "/gradio_api/info").status_code == 401
    assert httpx.post(url + "/gradio_api/call/process_photo", json={"data": []}).status_code == 401
    assert httpx.post(url + "/gradio_api/upload", files={"files": ("a.jpg", b"x")}).status_code == 401
    from gradio_client import Client

    with pytest.raises(Exception):
        Client(url + "/", verbose=False)


def test_with_the_code_the_api_works(lan, tmp_path):
    from gradio_client import Client, handle_file

    photo = tmp_path / "produk.jpg"
    photo.write_bytes(jpeg_bytes(product_photo(seed=5)))
    client = Client(lan["url"] + "/", auth=("siapa saja", CODE.lower()), verbose=False, download_files=str(tmp_path))
    outputs = client.predict(handle_file(str(photo)), "umum", "cepat", "id", api_name="/process_photo")
    assert len(outputs) == 1 and Path(outputs[0]).stat().st_size > 5_000


def test_a_second_session_cannot_reach_the_first_ones_files(lan, tmp_path):
    photo = tmp_path / "rahasia.jpg"
    photo.write_bytes(jpeg_bytes(product_photo(seed=7)))
    first, second, nobody = login(lan["url"], name="ani"), login(lan["url"], name="budi"), httpx.Client(
        base_url=lan["url"], timeout=30)
    upload, output = upload_and_process(first, photo)
    output_path = output.split("/file=", 1)[1]
    assert first.get(output).status_code == 200  # the owner's session fetches it
    for path in (upload, output_path):
        assert nobody.get(f"/gradio_api/file={path}").status_code == 401
        # The path carries a random or content-hash folder name: not guessable...
        assert any(len(part) >= 32 for part in Path(path).parts), path
        # ...and neither its folder, nor the cache, nor a sibling can be listed or guessed.
        folder = Path(path).parent
        for guess in (folder, folder.parent, lan["tmp"] / "cache", folder.parent / ("0" * 32) / Path(path).name):
            assert second.get(f"/gradio_api/file={guess}").status_code in (403, 404), guess


@pytest.mark.browser
def test_share_button_shares_the_file_or_downloads_it(lan, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright
    from tests.test_app_browser import ARGS, PHONE, RESULT_TIMEOUT_MS, process, upload_photo

    photo = tmp_path / "produk.jpg"
    photo.write_bytes(jpeg_bytes(product_photo(seed=9)))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="id-ID", accept_downloads=True, **PHONE)
        # A phone's share sheet, recorded: this headless Chromium has no Web Share of its own.
        context.add_init_script("""
            window.__shared = []; window.__canShare = true;
            navigator.canShare = (d) => window.__canShare && !!(d && d.files && d.files.length);
            navigator.share = async (d) => { window.__shared.push(d.files.map(f => [f.name, f.type, f.size])); };
        """)
        page = context.new_page()
        page.goto(lan["url"] + "/")
        page.fill("input[type=password]", CODE)
        page.locator("input:not([type=password])").first.fill("penjual")
        page.keyboard.press("Enter")
        page.wait_for_selector("#process-btn", timeout=RESULT_TIMEOUT_MS)
        upload_photo(page, str(photo))
        process(page)
        share = page.locator("#share-download-0")
        share.wait_for(state="visible", timeout=RESULT_TIMEOUT_MS)
        assert share.inner_text().strip() == "Bagikan"
        share.click()
        page.wait_for_function("window.__shared.length === 1", timeout=30_000)
        (name, kind, size), = page.evaluate("window.__shared[0]")
        assert name.endswith(".jpg") and kind == "image/jpeg" and size > 5_000
        page.evaluate("window.__canShare = false")  # a phone or laptop that cannot share files
        with page.expect_download() as info:
            share.click()
        saved = tmp_path / "unduh.jpg"
        info.value.save_as(saved)
        assert saved.stat().st_size == size
        browser.close()


def test_wrong_codes_are_rate_limited(lan):
    # Last in this file: it locks 127.0.0.1 out of the login for a minute.
    with httpx.Client(base_url=lan["url"], timeout=30) as client:
        codes = [client.post("/login", data={"username": "x", "password": f"SALAH{i}"}).status_code for i in range(5)]
        assert codes == [400] * 5
        blocked = client.post("/login", data={"username": "x", "password": CODE})
        assert blocked.status_code == 429 and "Tunggu" in blocked.text
