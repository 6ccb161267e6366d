"""Managing documents over HTTP: upload, jobs, list, text, stats, replace, delete — against the service in this process.

The service (``editor_backend_client``) serves a writable copy of the corpus with small
upload limits (``EDITOR_LIMITS``), so the limits can be exceeded with small files: on SQLite, where it runs
the jobs itself, and on PostgreSQL (e2e), where a worker of its own folder runs them.
"""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest
from conftest import EDITOR_LIMITS, PLAN, wait_for_job

from kb.access.keys import create_key
from kb.config import load_settings
from kb.storage.store import open_store

COAST_PLAN = """ĐẢNG BỘ TỈNH BẠC LIÊU
BAN TUYÊN GIÁO TỈNH ỦY
Số 77-KH/BTGTU
Bạc Liêu, ngày 05 tháng 3 năm 2021

KẾ HOẠCH
tuyên truyền phòng chống sạt lở bờ biển năm 2021

I. MỤC ĐÍCH, YÊU CẦU
1. Nâng cao nhận thức của cán bộ, đảng viên và nhân dân về nguy cơ sạt lở bờ biển, bảo vệ rừng phòng hộ ven biển.
2. Công tác tuyên truyền phải kịp thời, đúng định hướng, phù hợp với từng địa bàn ven biển.

II. NỘI DUNG
Tuyên truyền các chủ trương của Đảng về ứng phó biến đổi khí hậu, trồng và bảo vệ rừng ngập mặn chắn sóng.
"""
NOTICE = """THÔNG BÁO
về lịch tiếp công dân của Thường trực Tỉnh ủy quý II năm 2021

Thường trực Tỉnh ủy tiếp công dân vào ngày 15 hằng tháng tại Trụ sở Tiếp công dân tỉnh.
"""


def _auth(key: str | None) -> dict:
    return {"X-API-Key": key} if key else {}


def _upload(http: httpx.Client, key: str | None, files: list[tuple[str, bytes]], **form: str) -> httpx.Response:
    return http.post("/api/documents", headers=_auth(key), files=[("files", f) for f in files],
                      data=form)


def _own(text: str, test: str) -> str:
    """``text`` made a document of its own: the same text uploaded by another test would be a copy of that one."""
    return f"{text}\nBản dùng cho phép thử {test}.\n"


def _indexed(http: httpx.Client, key: str, files: list[tuple[str, bytes]], **form: str) -> dict:
    """Upload, wait for the job, return it (every file indexed)."""
    response = _upload(http, key, files, **form)
    assert response.status_code == 202, response.text
    job = wait_for_job(http, key, response.json()["job_id"])
    assert job["status"] == "done" and {f["status"] for f in job["files"]} == {"indexed"}, job
    return job


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    body = response.json()
    assert body["status"] == status and body["message"]
    return body["message"]


def _job_folders(home) -> set[str]:
    uploads = home / "uploads"
    return {p.name for p in uploads.iterdir()} if uploads.exists() else set()


def test_upload_is_indexed_in_the_background_and_becomes_searchable(editor_backend_client):
    http, key, home = editor_backend_client
    before = http.get("/api/stats").json()["documents"]
    response = _upload(http, key, [("ke-hoach-sat-lo.txt", COAST_PLAN.encode()), ("thong-bao.md", NOTICE.encode())])
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["files"] == ["ke-hoach-sat-lo.txt", "thong-bao.md"] and accepted["status"] == "queued"
    assert response.headers["location"] == accepted["url"] == f"/api/jobs/{accepted['job_id']}"

    job = wait_for_job(http, key, accepted["job_id"])
    assert job["status"] == "done" and job["progress"] == {"done": 2, "total": 2} and job["created_by"] == "editor"
    assert [f["status"] for f in job["files"]] == ["indexed", "indexed"] and all(f["chunks"] for f in job["files"])
    plan_id = job["files"][0]["document_id"]

    results = http.get("/api/search", params={"q": "sạt lở bờ biển", "k": 3}).json()["results"]
    assert results[0]["document"]["id"] == plan_id and results[0]["document"]["source"] == "ke-hoach-sat-lo.txt"
    text = http.get(f"/api/documents/{plan_id}/text").json()
    assert text["id"] == plan_id and "rừng ngập mặn chắn sóng" in text["text"]
    assert http.get("/api/stats").json()["documents"] == before + 2
    assert (home / "uploads" / accepted["job_id"] / "ke-hoach-sat-lo.txt").read_text() == COAST_PLAN


def test_file_names_are_made_safe(editor_backend_client):
    http, key, home = editor_backend_client
    names = ["../../thoat-ra.txt", "/etc/mat-khau.txt", "C:\\Windows\\bao-cao.txt", "Kế hoạch tuyên truyền 2021.txt",
             "x" * 300 + ".txt"]
    accepted = _upload(http, key, [(name, NOTICE.encode()) for name in names]).json()
    stored = accepted["files"]
    assert stored[:4] == ["thoat-ra.txt", "mat-khau.txt", "bao-cao.txt", "Kế hoạch tuyên truyền 2021.txt"]
    assert stored[4].endswith(".txt") and len(stored[4].encode()) <= 200
    job = wait_for_job(http, key, accepted["job_id"])
    assert all("/" not in f["name"] for f in job["files"])
    folder = home / "uploads" / accepted["job_id"]  # one indexed, the others copies of it: every file kept
    assert sorted(p.name for p in folder.iterdir()) == sorted(stored)
    assert not (home.parent / "thoat-ra.txt").exists() and not (home / "thoat-ra.txt").exists()


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name, data", [
    ("bao-cao.pdf", COAST_PLAN.encode()),                 # text named .pdf
    ("bao-cao.docx", _zip(["content.xml"])),              # a zip that is not a Word document
    ("bao-cao.txt", _zip(["word/document.xml"])),         # a Word document named .txt
    ("bao-cao.txt", bytes(range(256)) * 8),               # binary named .txt
    ("trang.html", COAST_PLAN.encode()),                  # no HTML in it
    ("chuong-trinh.exe", b"MZ\x90\x00" + bytes(100)),     # a type kb does not read
    ("rong.txt", b""),
])
def test_content_is_checked_from_the_bytes(editor_backend_client, name, data):
    http, key, home = editor_backend_client
    before = _job_folders(home)
    message = _error(_upload(http, key, [(name, data)]), 415)
    assert name in message
    assert _job_folders(home) == before, "a refused upload stores nothing"


OLD_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)  # a .doc: Office's container before 2007
VIETNAMESE = {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}


def _no_english(text: str) -> None:
    for word in (" the ", " file ", " limit", " named ", " rename ", "settings.json to"):
        assert word not in text, text


def test_a_mixed_batch_keeps_the_good_files_and_names_the_bad_ones(editor_backend_client):
    http, key, home = editor_backend_client
    batch = [("ke-hoach.txt", COAST_PLAN.replace("sạt lở bờ biển", "cháy rừng tràm mùa khô").encode()),
             ("bao-cao.pdf", NOTICE.encode()), ("cu.docx", OLD_WORD), ("lon.txt", ("a " * 100_001).encode())]
    response = _upload(http, key, batch)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["files"] == ["ke-hoach.txt"]
    rejected = {r["name"]: r for r in accepted["rejected"]}
    assert {name: r["code"] for name, r in rejected.items()} == \
        {"bao-cao.pdf": "content_mismatch", "cu.docx": "legacy_word", "lon.txt": "file_too_large"}
    assert "soffice --headless --convert-to docx" in rejected["cu.docx"]["reason"]
    job = wait_for_job(http, key, accepted["job_id"])
    assert job["status"] == "done" and job["progress"] == {"done": 4, "total": 4}
    assert [f["status"] for f in job["files"]] == ["indexed", "rejected", "rejected", "rejected"]
    assert sorted(p.name for p in (home / "uploads" / accepted["job_id"]).iterdir()) == ["ke-hoach.txt"]

    said = http.get(accepted["url"], headers=_auth(key) | VIETNAMESE).json()  # what the upload page shows
    reasons = {f["name"]: f["reason"] for f in said["files"]}
    assert reasons["ke-hoach.txt"] is None and "«lon.txt»: tệp lớn hơn 0,2 MB" in reasons["lon.txt"]
    assert "tệp Word đời cũ (.doc)" in reasons["cu.docx"] and "soffice --headless --convert-to docx" in reasons["cu.docx"]
    assert "tên tệp cho biết đây là tệp PDF nhưng nội dung lại là văn bản thuần" in reasons["bao-cao.pdf"]
    for reason in reasons.values():
        _no_english(reason or "")


def test_files_skipped_or_failed_do_not_stay_in_uploads(editor_backend_client):
    http, key, home = editor_backend_client
    batch = [("giu.txt", COAST_PLAN.replace("sạt lở bờ biển", "dịch tả lợn châu Phi").encode()), ("trong.txt", b"x\n"),
             ("hong.pdf", b"%PDF-1.4\n" + bytes(300))]
    accepted = _upload(http, key, batch).json()
    job = wait_for_job(http, key, accepted["job_id"])
    assert [f["status"] for f in job["files"]] == ["indexed", "skipped", "error"], job
    assert [p.name for p in (home / "uploads" / accepted["job_id"]).iterdir()] == ["giu.txt"]
    said = http.get(accepted["url"], headers=_auth(key) | VIETNAMESE).json()
    skipped, failed = (f["reason"] for f in said["files"][1:])
    assert skipped.startswith("Tệp không có chữ đọc được") and failed.startswith("Không đọc được nội dung tệp")

    accepted = _upload(http, key, [("mot-minh.txt", b"x\n")]).json()
    assert wait_for_job(http, key, accepted["job_id"])["files"][0]["status"] == "skipped"
    assert not (home / "uploads" / accepted["job_id"]).exists(), "a job folder left empty goes too"


def test_a_batch_with_no_good_file_is_refused_naming_each(editor_backend_client):
    http, key, home = editor_backend_client
    before = _job_folders(home)
    batch = [("a.pdf", NOTICE.encode()), ("b.exe", b"MZ" + bytes(10))]
    assert "a.pdf" in (english := _error(_upload(http, key, batch), 415)) and "b.exe" in english
    response = http.post("/api/documents", headers=_auth(key) | VIETNAMESE, files=[("files", f) for f in batch])
    vietnamese = _error(response, 415)
    assert vietnamese.startswith("Không nhận được tệp nào.") and "«a.pdf»" in vietnamese and "«b.exe»" in vietnamese
    _no_english(vietnamese)
    assert _job_folders(home) == before


def test_errors_are_vietnamese_when_asked_for(editor_backend_client):
    http, key, _ = editor_backend_client
    files = [("files", ("a.txt", NOTICE.encode()))]
    unknown = http.post("/api/documents", files=files, headers={"X-API-Key": "kb_00000000_" + "x" * 43} | VIETNAMESE)
    assert _error(unknown, 401) == "Khóa API không đúng hoặc đã bị thu hồi."
    big = http.post("/api/documents", files=[("files", ("lon.txt", ("a " * 100_001).encode()))],
                    headers=_auth(key) | VIETNAMESE)
    assert _error(big, 413) == "«lon.txt»: tệp lớn hơn 0,2 MB, mức tối đa cho mỗi tệp."
    many = [("files", (f"{n}.txt", NOTICE.encode())) for n in range(6)]
    assert _error(http.post("/api/documents", files=many, headers=_auth(key) | VIETNAMESE), 422) == \
        "Đã chọn 6 tệp; mỗi lần gửi tối đa 5 tệp."
    assert _error(http.get(f"/api/jobs/{'0' * 32}", headers=_auth(key) | VIETNAMESE), 404) == \
        "Không tìm thấy lượt lập chỉ mục này."


def test_limits_are_clear_4xx_json(editor_backend_client):
    http, key, _ = editor_backend_client
    small = [(f"{n}.txt", NOTICE.encode()) for n in range(EDITOR_LIMITS["max_upload_files"] + 1)]
    assert "limit is 5" in _error(_upload(http, key, small), 422)
    big = ("lon.txt", ("a " * 100_001).encode())
    assert "lon.txt" in _error(_upload(http, key, [big]), 413)
    heavy = [(f"{n}.txt", ("b " * 95_000).encode()) for n in range(4)]  # each under the file limit, together over
    assert "per request" in _error(_upload(http, key, heavy), 413)
    get = lambda path, **params: http.get(f"{path}", params=params)  # noqa: E731
    assert "per_page" in _error(get("/api/documents", per_page=51), 422)
    _error(get("/api/documents", page=0), 422)
    _error(get("/api/search", q="x", k=101), 422)
    _error(get("/api/search", q="x" * 1001), 422)
    _error(get("/api/search", q="   "), 422)
    schema = http.get("/openapi.json").json()["paths"]
    per_page = next(p for p in schema["/api/documents"]["get"]["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 50, "the configured limit is the documented one"


def test_writes_need_an_editor_key(editor_backend_client):
    http, key, home = editor_backend_client
    store = open_store(load_settings(home).store, home)
    _, reader = create_key(store, "doc-gia", "reader")
    store.close()
    files = [("a.txt", NOTICE.encode())]
    _error(_upload(http, None, files), 401)
    _error(_upload(http, "kb_00000000_" + "x" * 43, files), 401)
    assert "editor" in _error(_upload(http, reader, files), 403)
    _error(http.delete("/api/documents/1"), 401)
    _error(http.put("/api/documents/1", files={"file": files[0]}, headers=_auth(reader)), 403)
    _error(http.get(f"/api/jobs/{'0' * 32}", headers=_auth(reader)), 403)
    _error(http.get(f"/api/jobs/{'0' * 32}", headers=_auth(key)), 404)


def test_document_list_pages_and_filters(editor_backend_client):
    http, key, _ = editor_backend_client
    _indexed(http, key, [("ke-hoach-trang.txt", COAST_PLAN.replace("sạt lở", "xâm nhập mặn").encode())])
    everything = http.get("/api/documents", params={"per_page": 50}).json()
    total = everything["total"]
    assert total == len(everything["items"]) >= 3
    pages = [http.get("/api/documents", params={"per_page": 2, "page": n}).json() for n in (1, 2)]
    assert [p["total"] for p in pages] == [total, total] and [p["page"] for p in pages] == [1, 2]
    assert [d["id"] for p in pages for d in p["items"]] == [d["id"] for d in everything["items"][:4]]
    beyond = http.get("/api/documents", params={"page": 1000}).json()
    assert beyond["items"] == [] and beyond["total"] == total
    titled = http.get("/api/documents", params={"q": "tuyen truyen dai hoi"}).json()  # title words, unaccented
    assert [d["source"] for d in titled["items"]] == [PLAN] and titled["total"] == 1
    numbered = http.get("/api/documents", params={"q": "77-KH"}).json()
    assert {d["number"] for d in numbered["items"]} == {"77-KH/BTGTU"}
    typed = http.get("/api/documents", params={"type": "Kế hoạch", "per_page": 50}).json()
    assert typed["items"] and {d["doc_type"] for d in typed["items"]} == {"Kế hoạch"}
    assert http.get("/api/documents", params={"since": "2099"}).json()["total"] == 0


def test_hidden_documents_are_never_revealed(editor_backend_client):
    http, key, _ = editor_backend_client
    secret = COAST_PLAN.replace("sạt lở bờ biển", "di dời khu dân cư ven sông")
    job = _indexed(http, key, [("noi-bo.txt", secret.encode())], access="internal")
    doc_id = job["files"][0]["document_id"]
    anonymous_stats = http.get("/api/stats").json()
    editor_stats = http.get("/api/stats", headers=_auth(key)).json()
    assert editor_stats["documents"] == anonymous_stats["documents"] + 1
    assert anonymous_stats["by_access"].get("internal") is None and editor_stats["by_access"]["internal"] == 1
    _error(http.get(f"/api/documents/{doc_id}/text"), 404)
    assert http.get(f"/api/documents/{doc_id}/text", headers=_auth(key)).status_code == 200
    listed = http.get("/api/documents", params={"q": "Kế hoạch", "per_page": 50}).json()["items"]
    assert doc_id not in {d["id"] for d in listed}
    found = http.get("/api/search", params={"q": "di dời khu dân cư ven sông"}).json()["results"]
    assert doc_id not in {r["document"]["id"] for r in found}
    assert "restricted" in _error(_upload(http, key, [("mat.txt", secret.encode())], access="restricted"), 403)

    newer = secret.replace("năm 2021", "năm 2022")  # a new version keeps the level of the one it replaces
    response = http.put(f"/api/documents/{doc_id}", headers=_auth(key), files={"file": ("noi-bo.txt", newer)})
    assert wait_for_job(http, key, response.json()["job_id"])["status"] == "done"
    assert http.get(f"/api/documents/{doc_id}", headers=_auth(key)).json()["access"] == "internal"
    _error(http.get(f"/api/documents/{doc_id}"), 404)


def test_replace_keeps_the_id_and_delete_removes_everything(editor_backend_client):
    http, key, home = editor_backend_client
    notice = _own(NOTICE, "thay thế")
    first = _indexed(http, key, [("thong-bao-lich.md", notice.encode())])
    doc_id = first["files"][0]["document_id"]
    old_file = home / "uploads" / first["id"] / "thong-bao-lich.md"
    assert old_file.exists()

    newer = notice.replace("quý II", "quý III").replace("ngày 15", "ngày 20")
    response = http.put(f"/api/documents/{doc_id}", headers=_auth(key),
                         files={"file": ("thong-bao-lich-moi.md", newer.encode())})
    assert response.status_code == 202, response.text
    job = wait_for_job(http, key, response.json()["job_id"])
    assert job["kind"] == "replace" and job["target_document"] == doc_id and job["status"] == "done", job
    assert job["files"][0]["document_id"] == doc_id
    assert http.get(f"/api/documents/{doc_id}").json()["source"] == "thong-bao-lich-moi.md"
    assert "quý III" in http.get(f"/api/documents/{doc_id}/text").json()["text"]
    assert not old_file.exists(), "the replaced file is removed"

    removed = http.delete(f"/api/documents/{doc_id}", headers=_auth(key))
    assert removed.status_code == 200 and removed.json()["id"] == doc_id
    _error(http.get(f"/api/documents/{doc_id}"), 404)
    _error(http.get(f"/api/documents/{doc_id}/text"), 404)
    found = http.get("/api/search", params={"q": "lịch tiếp công dân quý III"}).json()["results"]
    assert doc_id not in {r["document"]["id"] for r in found}
    if http.app.state.kb.store.path is not None:
        assert not (home / "uploads" / job["id"]).exists(), "the uploaded file and its emptied folder are removed"
    else:  # deleted through the API node: the worker's folder is another machine's, the database's copy goes
        store = open_store(load_settings(home).store, home)
        assert not store.db.execute("SELECT count(*) FROM job_files WHERE job_id IN (?, ?)",
                                    [first["id"], job["id"]]).fetchone()[0]
        store.close()
    _error(http.delete(f"/api/documents/{doc_id}", headers=_auth(key)), 404)


def test_replacing_with_an_unreadable_file_leaves_the_document(editor_backend_client):
    http, key, _ = editor_backend_client
    doc_id = _indexed(http, key, [("giu-nguyen.txt", _own(NOTICE, "giữ nguyên").encode())])["files"][0]["document_id"]
    broken = b"%PDF-1.7\n" + bytes(range(256)) * 4  # passes the type check, cannot be read as a PDF
    response = http.put(f"/api/documents/{doc_id}", headers=_auth(key), files={"file": ("moi.pdf", broken)})
    job = wait_for_job(http, key, response.json()["job_id"])
    assert job["status"] == "failed" and f"document {doc_id} is unchanged" in job["error"]
    assert job["files"][0]["status"] == "error" and job["files"][0]["reason"]
    assert http.get(f"/api/documents/{doc_id}").json()["source"] == "giu-nguyen.txt"


def test_unknown_documents_are_404(editor_backend_client):
    http, key, _ = editor_backend_client
    _error(http.put("/api/documents/999999", headers=_auth(key), files={"file": ("a.txt", b"x y z")}), 404)
    _error(http.delete("/api/documents/999999", headers=_auth(key)), 404)
    _error(http.get("/api/documents/999999/text"), 404)
    _error(http.get(f"/api/documents/{2**70}"), 422)


def test_a_job_is_seen_only_by_its_uploader_and_admins(editor_backend_client):
    http, key, home = editor_backend_client
    store = open_store(load_settings(home).store, home)
    _, other_editor = create_key(store, "bien-tap-khac", "editor", "restricted")
    _, admin = create_key(store, "quan-tri-job", "admin", "restricted")
    store.close()
    job = _indexed(http, key, [("thong-bao-rieng.txt", _own(NOTICE, "riêng").encode())])
    path = f"/api/jobs/{job['id']}"
    _error(http.get(path, headers=_auth(other_editor)), 404)  # as unknown as a job that never was
    assert http.get(path, headers=_auth(admin)).json()["files"][0]["name"] == "thong-bao-rieng.txt"
