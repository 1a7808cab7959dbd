"""The server a room of phones shares (issues 18 and 21), tested with real HTTP against a
started ``app.py``; each simulated phone connects from its own source address (127.0.0.N,
``bench/webclient.py``), so per-address limits apply per phone as on a workshop's Wi-Fi.

- the upload route stores only photos, ZIPs and brand kits, and says so in Indonesian;
- the queue takes phones in turns: a phone's single photo is not queued behind everything
  another address queued;
- ``--cert/--key`` serve https (a self-signed certificate made here).
"""

from __future__ import annotations

import datetime
import io
import ipaddress
import ssl
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import httpx
import pytest
from PIL import Image

from bench.webclient import Phone, Refused
from tests.appserver import start_app, stop_app


def _jpeg(colour=(200, 80, 40), size=(900, 700)) -> bytes:
    img = Image.new("RGB", size, (245, 245, 245))
    img.paste(Image.new("RGB", (size[0] // 2, size[1] // 2), colour), (size[0] // 4, size[1] // 4))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    proc, url, cache = start_app(tmp, timeout_s=300, ETALASE_CONCURRENCY="1", ETALASE_CACHE_MAX_AGE_S="600")
    yield url, cache
    stop_app(proc)


def _stored(cache: Path, marker: bytes) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file() and p.stat().st_size < 5_000_000 and marker in p.read_bytes()]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (64, 48), (0, 200, 0, 255)).save(buf, "PNG")
    return buf.getvalue()


def _webp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 0, 200)).save(buf, "WEBP")
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("produk.jpg", _jpeg())
    return buf.getvalue()


# What a browser or a computer would run if it were served back: refused at the route, never stored.
NOT_PHOTOS = {
    "halaman.html": b"<!doctype html><script>alert('server-marker-1')</script>",
    "gambar.svg": b"<svg xmlns='http://www.w3.org/2000/svg'><script>server-marker-2</script></svg>",
    "foto.jpg": b"<html>server-marker-3 named like a photo</html>",
    "program.exe": b"MZ\x90\x00server-marker-4" + bytes(200),
    "skrip.jpg": b"#!/bin/sh\necho server-marker-5",
    "data.xml": b"\xef\xbb\xbf  <?xml version='1.0'?><x>server-marker-6</x>",
}


@pytest.mark.parametrize("name", sorted(NOT_PHOTOS))
def test_upload_route_refuses_what_is_not_a_photo_before_storing_it(server, name):
    url, cache = server
    phone = Phone(url, 10)
    try:
        with pytest.raises(Refused) as refused:
            phone.upload(data=NOT_PHOTOS[name], name=name, mime="image/jpeg")
    finally:
        phone.close()
    assert refused.value.status == 415
    assert "bukan foto" in refused.value.text and "JPG" in refused.value.text, refused.value.text
    marker = NOT_PHOTOS[name][NOT_PHOTOS[name].find(b"server-marker"):][:15]
    if marker:
        assert _stored(cache, marker) == []


def test_upload_route_takes_photos_zips_and_brand_kits(server):
    url, cache = server
    phone = Phone(url, 11)
    try:
        # A text note or an empty file passes the route: the app refuses it for that one file, in the
        # vendor's language (tests/test_app.py, the browser tests), and a batch reports it as one row.
        good = {"a.jpg": _jpeg(), "b.png": _png(), "c.webp": _webp(), "d.zip": _zip(), "blob": _png(),
                "merek.etalase.json": b'\xef\xbb\xbf{"name": "Toko Ani"}', "catatan.txt": b"plain text",
                "kosong.jpg": b""}
        for name, data in good.items():
            filedata = phone.upload(data=data, name=name, mime="application/octet-stream")
            assert Path(filedata["path"]).read_bytes() == data, name
        # A bad file among good ones: the request is refused and the bad file is not stored.
        files = [("files", ("ok.jpg", _jpeg(), "image/jpeg")),
                 ("files", ("x.html", b"<html>server-marker-7</html>", "text/html"))]
        r = phone.http.post("/gradio_api/upload", files=files)
        assert r.status_code == 415 and "bukan foto" in r.text
        assert _stored(cache, b"server-marker-7") == []
        # A chunked upload (no Content-Length) is refused before its type matters: 411.
        r = phone.http.post("/gradio_api/upload", content=iter([b"--x\r\n"]),
                            headers={"content-type": "multipart/form-data; boundary=x"})
        assert r.status_code == 411
    finally:
        phone.close()


def test_the_queue_takes_phones_in_turns(server, tmp_path):
    """Four jobs from one address (the per-address limit), then one from a second phone:
    first come, first served would finish it last; in turns it comes right after the job
    that was running when it arrived."""
    url, _ = server
    photo = tmp_path / "produk.jpg"
    photo.write_bytes(_jpeg(size=(1600, 1200)))
    finished: list[str] = []
    lock = threading.Lock()

    def run(phone: Phone, who: str, presets: str = "umum") -> None:
        try:
            phone.process_photo_api(photo, presets, "cepat")
            with lock:
                finished.append(who)
        finally:
            phone.close()

    warm = Phone(url, 20)
    warm.process_photo_api(photo, "umum", "cepat")  # the model loaded, not timed
    warm.close()
    busy = [Phone(url, 21, address="127.0.0.200") for _ in range(4)]
    threads = []
    for k, phone in enumerate(busy):
        # Four marketplaces each: every busy job lasts long enough that the other phone joins while
        # three are still waiting, even on a loaded machine (one marketplace ran out before it joined).
        threads.append(threading.Thread(target=run, args=(phone, f"busy-{k}", "umum,shopee,lazada,tokopedia")))
        threads[-1].start()
        time.sleep(0.1)  # joined in this order
    # The other phone joins once the first busy job is done: the second runs, two wait. (A fixed
    # pause failed on a fast host: two busy jobs were done before the other phone joined.)
    deadline = time.monotonic() + 120
    while "busy-0" not in finished and time.monotonic() < deadline:
        time.sleep(0.02)
    other = Phone(url, 22)
    threads.append(threading.Thread(target=run, args=(other, "other")))
    threads[-1].start()
    for th in threads:
        th.join(timeout=600)
    assert sorted(finished) == sorted(["busy-0", "busy-1", "busy-2", "busy-3", "other"]), finished
    assert finished.index("other") <= 2, finished  # FIFO: 4


def test_a_fifth_job_from_one_address_is_refused_while_another_phone_is_served(server, tmp_path):
    url, _ = server
    photo = tmp_path / "produk.jpg"
    photo.write_bytes(_jpeg())
    results: Counter = Counter()
    lock = threading.Lock()

    def run(phone: Phone) -> None:
        try:
            phone.process_photo_api(photo, "umum", "cepat")
            key = "done"
        except Refused as exc:
            key = exc.status
        with lock:
            results[key] += 1
        phone.close()

    phones = [Phone(url, 30, address="127.0.0.201") for _ in range(6)]
    threads = [threading.Thread(target=run, args=(p,)) for p in phones]
    for th in threads:
        th.start()
    time.sleep(1.0)
    other = Phone(url, 31)
    files = other.process_photo_api(photo, "umum", "cepat")
    other.close()
    assert files and files[0]["path"].endswith(".jpg")
    for th in threads:
        th.join(timeout=600)
    assert results[429] >= 1 and results["done"] >= 4, results


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "etalase.local")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_serve_with_cert_and_key_is_https(tmp_path):
    pytest.importorskip("cryptography")
    cert, key = _self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))  # this certificate only
    proc, url, _ = start_app(tmp_path, timeout_s=300, args=("--cert", str(cert), "--key", str(key)),
                             verify=trust, ETALASE_WARM="")
    try:
        assert url.startswith("https://")
        page = httpx.get(url + "/", verify=trust, timeout=30)
        assert page.status_code == 200 and "Etalase" in page.text
        assert httpx.get(url + "/healthz", verify=trust, timeout=30).status_code == 200
        manifest = httpx.get(url + "/manifest.json", verify=trust, timeout=30).json()
        assert manifest["name"] == "Etalase"
        # The certificate is the one given, and plain http on the same port gets no page.
        with pytest.raises(httpx.HTTPError):
            httpx.get(url + "/", timeout=30)  # not trusted without the CA file
        with pytest.raises(httpx.HTTPError):
            r = httpx.get(url.replace("https://", "http://") + "/", timeout=30)
            r.raise_for_status()
        assert "https://127.0.0.1" in (tmp_path / "app.log").read_text()  # the address the staff are shown
    finally:
        stop_app(proc)


def test_cert_without_key_is_a_clear_refusal(tmp_path):
    from assistant.errors import AssistantError
    from assistant.i18n import t
    from assistant.web.serve import tls_files

    (tmp_path / "cert.pem").write_text("x")
    with pytest.raises(AssistantError) as err:
        tls_files(tmp_path / "cert.pem", None)
    assert err.value.code == "server_tls_pair"
    with pytest.raises(AssistantError) as err:
        tls_files(tmp_path / "cert.pem", tmp_path / "missing.pem")
    assert err.value.code == "server_tls_missing"
    assert "--key" in t("server_tls_pair", "id")
    assert tls_files(None, None) is None
