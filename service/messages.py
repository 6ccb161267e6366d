"""Every message the pages show, in Vietnamese, in one catalogue: keyed by an error's code or class, or by status.

kb's errors carry their English message for the command line, logs and the API, and the same facts as
data (``code``, ``params``: which file, which limit); this module words those facts in Vietnamese. The
error pages use it, and so does the API for a request that asks for Vietnamese (``Accept-Language: vi``,
as the upload page's script sends): its JSON errors and its job's file reasons then come from here, so
the page's script shows them as they are and holds no wording of its own (``UPLOAD_PAGE`` is given to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .views import vn_int, vn_mb

__all__ = ["ERRORS", "PAGE_MESSAGES", "PAGE_TEXTS", "PAGE_TITLES", "RELATION_KINDS", "UPLOAD_PAGE", "error_message",
           "file_reason", "job_error", "message", "wants_vietnamese"]

# The error pages: each status's title and message; any other status is shown as 500 (405 as 404).
PAGE_TITLES = {401: "Cần khóa truy cập", 403: "Không có quyền", 404: "Không tìm thấy trang",
               422: "Yêu cầu không hợp lệ", 500: "Đã có lỗi xảy ra"}
PAGE_MESSAGES = {
    401: "Kho văn bản này chỉ dành cho người có khóa truy cập (API key), hoặc khóa đã gửi không hợp lệ.",
    403: "Khóa truy cập của bạn không có quyền thực hiện thao tác này.",
    404: "Trang bạn tìm không có. Có thể đường dẫn đã sai hoặc văn bản đã được gỡ khỏi kho.",
    422: "Yêu cầu không hợp lệ. Vui lòng kiểm tra lại câu hỏi và bộ lọc.",
    500: "Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau; nếu lỗi vẫn còn, hãy báo bộ phận quản trị.",
}

_CONVERT = "soffice --headless --convert-to docx"
_KINDS = {"docx": "tài liệu Word (.docx)", "pdf": "tệp PDF", "html": "trang web (HTML)", "text": "văn bản thuần"}
_LIMITS = {
    "max_file_bytes": "Dung lượng tệp", "max_docx_unzipped_bytes": "Dung lượng giải nén của tệp Word",
    "max_docx_ratio": "Tỉ lệ nén của tệp Word", "max_pdf_pages": "Số trang PDF",
    "max_ocr_pages": "Số trang scan cần nhận dạng chữ (OCR)", "max_ocr_page_seconds": "Thời gian nhận dạng một trang scan",
    "max_html_depth": "Độ lồng của trang HTML", "max_line_chars": "Độ dài một dòng",
    "max_text_chars": "Độ dài văn bản", "max_passages": "Số đoạn của văn bản",
}

# Each error, by its code (else its class's name), as a page says it; {…} are the error's params.
ERRORS: dict[str, str] = {
    # uploads refused on arrival (kb.jobs.uploads, kb.config.Limits)
    "unsupported_type": "«{name}»: không đọc được loại tệp «{suffix}». Chỉ nhận tệp .docx, .pdf, .txt, .md, .html.",
    "legacy_word": f"«{{name}}»: đây là tệp Word đời cũ (.doc) mang đuôi .docx. Hãy mở bằng Word và lưu lại dạng .docx, "
                   f"hoặc chuyển bằng LibreOffice: {_CONVERT} «{{name}}», rồi tải lên lại.",
    "content_mismatch": "«{name}»: tên tệp cho biết đây là {expected} nhưng nội dung lại là {found}. "
                        "Hãy đổi tên tệp cho đúng nội dung hoặc chọn đúng tệp.",
    "empty": "«{name}»: tệp rỗng.",
    "file_too_large": "«{name}»: tệp lớn hơn {limit} MB, mức tối đa cho mỗi tệp.",
    "request_too_large": "Tổng dung lượng các tệp vượt {limit} MB, mức tối đa cho mỗi lần gửi.",
    "too_many_files": "Đã chọn {count} tệp; mỗi lần gửi tối đa {limit} tệp.",
    "none_accepted": "Không nhận được tệp nào.",
    "one_file_to_replace": "Mỗi văn bản chỉ được thay bằng đúng một tệp.",
    # a draft sent for drafting help (kb.retrieval.drafts, service.related)
    "no_draft": "Hãy dán nội dung dự thảo hoặc chọn tệp dự thảo.",
    "empty_draft": "Dự thảo không có nội dung.",
    "unreadable_draft": "Không đọc được tệp dự thảo «{name}»: tệp hỏng, bị khóa bằng mật khẩu hoặc không đúng định dạng.",
    "draft_too_large": "Tệp dự thảo «{name}» vượt giới hạn cho phép (số trang, độ dài hoặc dung lượng).",
    # a search page's filters that cannot be used, and are dropped (service.filters)
    "filter_too_long": "Bộ lọc quá dài (tối đa {limit} ký tự) nên đã được bỏ qua.",
    "bad_year": "Năm «{year}» không hợp lệ: hãy nhập 4 chữ số, ví dụ 2020.",
    "unknown_type": "Không có loại văn bản «{type}» nên bộ lọc này đã được bỏ qua. Các loại văn bản: {known}.",
    # the caller (service.auth, service.api)
    "unknown_key": "Khóa API không đúng hoặc đã bị thu hồi.",
    "key_to_read": "Kho văn bản này cần khóa API để đọc.",
    "key_needed": "Thao tác này cần khóa API có quyền {role}.",
    "role_needed": "Khóa «{key}» chỉ có quyền {has}; thao tác này cần quyền {role}.",
    "level_above_key": "Khóa «{key}» chỉ được xem đến mức «{level}», nên không tải lên được văn bản mức «{access}».",
    "no_job": "Không tìm thấy lượt lập chỉ mục này.",
    # a document's status (kb.storage.status, kb.retrieval.validity)
    "unknown_status": "Không có trạng thái «{status}». Các trạng thái: {known}.",
    "unknown_replacing": "Không có văn bản nào khác mang số định danh {document_id} để ghi là văn bản thay thế.",
    "no_number": "Không có văn bản nào mang số «{number}» trong kho.",
    "several_numbered": "Số «{number}» có thể là nhiều văn bản; hãy chọn theo số định danh: {documents}.",
    "InvalidStatusError": "Không đặt được trạng thái này cho văn bản.",
    "IndexBusyError": "Đang có một lượt lập chỉ mục chạy; vui lòng thử lại khi lượt đó xong.",
    "DatabaseUnavailableError": "Tạm thời không kết nối được cơ sở dữ liệu của kho (máy chủ đang chuyển đổi hoặc "
                                "khởi động lại); vui lòng thử lại sau ít giây.",
    "NotFoundError": "Không tìm thấy văn bản này trong kho.",
    "file_missing": "Tệp gốc «{source}» của văn bản này không còn ở chỗ đã lập chỉ mục (đã bị chuyển đi hoặc xóa). "
                    "Văn bản vẫn đọc được trong kho; muốn mở tệp gốc, hãy lập chỉ mục lại tệp ở chỗ mới.",
    "file_outside": "Tệp gốc «{source}» của văn bản này nay trỏ ra ngoài thư mục đã lập chỉ mục nên không được mở.",
    "InvalidQueryError": "Yêu cầu không hợp lệ.",
    "RequestValidationError": "Tham số của yêu cầu không hợp lệ: {where}.",
    # a file an indexing job tried (kb.indexing, the readers)
    "no_text": "Tệp không có chữ đọc được (rỗng, hoặc chỉ có khoảng trắng, ký hiệu); không lưu.",
    "no_passage": "Không tạo được đoạn văn nào từ nội dung tệp (chỉ có phần đầu văn bản hoặc dòng không đọc được); không lưu.",
    "copy": "Bản sao của văn bản số {document_id} đã có trong kho ({of}); không lưu lại.",
    "pages_unread": "Đã lập chỉ mục, nhưng có trang scan không nhận dạng được chữ.",
    "limit": "{what} vượt giới hạn cho phép nên tệp bị bỏ qua. Nếu cần lập chỉ mục tệp này, quản trị viên có thể nâng "
             "giới hạn limits.{limit} trong tệp settings.json của kho.",
    "passed_over": "Bỏ qua khi duyệt thư mục.",
    "UnreadableFileError": "Không đọc được nội dung tệp: tệp hỏng, bị khóa bằng mật khẩu hoặc không đúng định dạng.",
    "OcrUnavailableError": "Tệp là bản scan, nhưng máy chủ chưa cài phần nhận dạng chữ (Tesseract tiếng Việt); "
                           "báo quản trị viên cài đặt.",
    "internal": "Máy chủ gặp lỗi khi đọc tệp này; chi tiết có trong nhật ký máy chủ.",
    "worker_died": "Máy lập chỉ mục dừng đột ngột khi đang đọc tệp này ({attempts} lần thử); lượt lập chỉ mục đã "
                   "dừng. Hãy kiểm tra tệp, hoặc tải lên lại các tệp khác mà không kèm tệp này.",
}
# A page about an error code or class says more than its status does: (title, message; {…} its params).
PAGE_TEXTS = {"NotFoundError": ("Không tìm thấy văn bản", "Không tìm thấy văn bản này trong kho. "
                                "Có thể văn bản đã được gỡ hoặc đường dẫn bị sai."),
              "file_missing": ("Không còn tệp gốc", ERRORS["file_missing"]),
              "file_outside": ("Không mở được tệp gốc", ERRORS["file_outside"])}
STATUS_MESSAGES = {400: "Không đọc được yêu cầu gửi lên.", 401: ERRORS["unknown_key"], 403: PAGE_MESSAGES[403],
                   404: "Không tìm thấy.", 405: "Phương thức không được hỗ trợ.",
                   411: "Trình duyệt không gửi kích thước tệp; hãy thử lại.", 413: "Tệp quá lớn so với giới hạn cho phép.",
                   415: "Có tệp không đúng loại hoặc nội dung không khớp với đuôi tệp.",
                   422: ERRORS["InvalidQueryError"], 500: PAGE_MESSAGES[500]}
_LEVELS = {"public": "công khai", "internal": "nội bộ", "restricted": "hạn chế"}
_ROLES = {"reader": "đọc", "editor": "biên tập", "admin": "quản trị"}
# A document's relations ("Quan hệ văn bản" and its diagram), by kind: the heading over what the document relies
# on, the heading over what relies on it, and the verb on a diagram's arrow (from the citing document to the cited).
RELATION_KINDS = {
    "basis": {"relies_on": "Căn cứ", "relied_on_by": "Văn bản căn cứ vào văn bản này", "edge": "căn cứ"},
    "implements": {"relies_on": "Thực hiện, triển khai", "relied_on_by": "Văn bản thực hiện, triển khai văn bản này",
                   "edge": "thực hiện"},
    "guides": {"relies_on": "Hướng dẫn thực hiện", "relied_on_by": "Văn bản hướng dẫn thực hiện văn bản này",
               "edge": "hướng dẫn"},
    "amends": {"relies_on": "Sửa đổi, bổ sung", "relied_on_by": "Văn bản sửa đổi, bổ sung văn bản này", "edge": "sửa đổi"},
    "replaces": {"relies_on": "Thay thế", "relied_on_by": "Văn bản thay thế văn bản này", "edge": "thay thế"},
    "repeals": {"relies_on": "Bãi bỏ", "relied_on_by": "Văn bản bãi bỏ văn bản này", "edge": "bãi bỏ"},
    "mentions": {"relies_on": "Dẫn chiếu", "relied_on_by": "Văn bản dẫn chiếu văn bản này", "edge": "dẫn chiếu"},
}

# The upload page's own words, handed to its script with the page.
UPLOAD_PAGE = {
    "job": {"queued": "Đang chờ lập chỉ mục…", "running": "Đang lập chỉ mục…", "done": "Hoàn tất.", "failed": "Thất bại."},
    "file": {"queued": "đang chờ", "indexed": "đã lập chỉ mục", "unchanged": "không thay đổi",
             "copy": "bản sao của văn bản đã có, không lưu lại", "skipped": "bỏ qua", "error": "lỗi",
             "rejected": "không nhận"},
    "sending": "Đang gửi tệp…", "files": "tệp.", "open": "Xem văn bản", "refused": "Không gửi được yêu cầu.",
    "too_many": "Chọn tối đa {max} tệp mỗi lần.", "too_large": "Tệp «{name}» quá lớn.",
    "total_too_large": "Tổng dung lượng các tệp vượt giới hạn.",
}


def wants_vietnamese(headers: Mapping[str, str]) -> bool:
    """Whether a request's first language is Vietnamese (``Accept-Language: vi…``)."""
    first = headers.get("accept-language", "").split(",")[0]
    return first.split(";")[0].strip().lower().startswith("vi")


def _words(params: Mapping[str, Any]) -> dict[str, Any]:
    """The params as the Vietnamese sentences name them: sizes in MB, kinds, limits, levels and roles in words."""
    words = dict(params)
    if isinstance(words.get("limit"), str):  # a reading limit, by its setting's name
        words["what"] = _LIMITS.get(words["limit"], words["limit"])
    elif isinstance(words.get("limit"), int):
        words["limit"] = vn_int(words["limit"])
    if "limit_bytes" in words:
        words["limit"] = vn_mb(words["limit_bytes"])
    for name in ("expected", "found"):
        if name in words:
            words[name] = _KINDS.get(words[name] or "", "một loại tệp kb không đọc được")
    for name in ("level", "access"):
        if name in words:
            words[name] = _LEVELS.get(words[name], words[name])
    for name in ("role", "has"):
        if name in words:
            words[name] = _ROLES.get(words[name], words[name])
    return words


def message(key: str | None, params: Mapping[str, Any] | None = None, status: int = 500) -> str:
    """What a page says for an error: its code's or class's sentence, else its status's."""
    template = ERRORS.get(key or "")
    if template is None:
        return STATUS_MESSAGES.get(status, PAGE_MESSAGES[500])
    text = template.format_map(_words(params or {}))
    refused = (params or {}).get("refused")
    if refused:  # every file of an upload refused: each by name
        text += " " + " ".join(message(r["code"], r["params"], status) for r in refused)
    return text


def error_message(exc: BaseException, status: int) -> str:
    """An error in Vietnamese: by its code, else by its class or the nearest base the catalogue words, else its status."""
    keys = [getattr(exc, "code", None), *(kind.__name__ for kind in type(exc).__mro__)]
    return message(next((k for k in keys if k in ERRORS), None), getattr(exc, "params", None), status)


def file_reason(entry: Mapping[str, Any]) -> str | None:
    """A job's file outcome in Vietnamese: why it was not indexed (or what of it could not be read)."""
    if not entry.get("reason"):
        return None
    code = entry.get("code")
    return message(code if code in ERRORS else "UnreadableFileError", entry.get("params"))


def job_error(job: Mapping[str, Any]) -> str | None:
    """Why a job failed, in Vietnamese; each file's own reason says the rest."""
    if not job.get("error"):
        return None
    if job["kind"] == "replace":
        return f"Không thay được tệp của văn bản số {job['target_document']}; văn bản vẫn giữ nguyên."
    return ("Lượt lập chỉ mục không hoàn tất (máy chủ dừng hoặc gặp lỗi); "
            "hãy tải lên lại các tệp chưa được lập chỉ mục.")
