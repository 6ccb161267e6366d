// The upload page: send the chosen files to POST /api/documents with the editor key, then follow the job.
// The key stays in the form field; only when "remember" is ticked is it kept in this browser's localStorage.
(function () {
  "use strict";

  var form = document.getElementById("upload-form");
  if (!form) return;
  var KEY_STORE = "kb-editor-key";
  var POLL_MS = 1000;
  var keyInput = document.getElementById("key");
  var remember = document.getElementById("remember");
  var filesInput = document.getElementById("files");
  var errorBox = document.getElementById("upload-error");
  var jobBox = document.getElementById("job");
  var statusLine = document.getElementById("job-status");
  var progress = document.getElementById("job-progress");
  var fileList = document.getElementById("job-files");
  var button = form.querySelector("button[type=submit]");

  var JOB_STATUS = { queued: "Đang chờ lập chỉ mục…", running: "Đang lập chỉ mục…", done: "Hoàn tất.",
                     failed: "Thất bại." };
  var FILE_STATUS = { queued: "đang chờ", indexed: "đã lập chỉ mục", unchanged: "không thay đổi",
                      copy: "bản sao của văn bản đã có, không lưu lại", skipped: "bỏ qua", error: "lỗi" };
  var HTTP_ERRORS = {
    401: "Khóa API không đúng hoặc đã bị thu hồi.",
    403: "Khóa này không có quyền tải văn bản lên (cần quyền biên tập).",
    411: "Trình duyệt không gửi được kích thước tệp; hãy thử lại.",
    413: "Tệp quá lớn so với giới hạn cho phép.",
    415: "Có tệp không đúng loại hoặc nội dung không khớp với đuôi tệp.",
    422: "Yêu cầu không hợp lệ (ví dụ: quá nhiều tệp).",
    500: "Máy chủ gặp lỗi; vui lòng thử lại sau."
  };

  var saved = window.localStorage.getItem(KEY_STORE);
  if (saved) {
    keyInput.value = saved;
    remember.checked = true;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function tooLarge(files) {
    var maxFiles = Number(form.dataset.maxFiles), maxFile = Number(form.dataset.maxFileBytes);
    var maxTotal = Number(form.dataset.maxRequestBytes), total = 0;
    if (files.length > maxFiles) return "Chọn tối đa " + maxFiles + " tệp mỗi lần.";
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > maxFile) return "Tệp «" + files[i].name + "» quá lớn.";
      total += files[i].size;
    }
    return total > maxTotal ? "Tổng dung lượng các tệp vượt giới hạn." : "";
  }

  function authHeaders() {
    return { "Authorization": "Bearer " + keyInput.value.trim() };
  }

  function fileItem(file) {
    var item = document.createElement("li");
    item.className = "job-file is-" + file.status;
    var name = document.createElement("strong");
    name.textContent = file.name;
    item.appendChild(name);
    item.appendChild(document.createTextNode(": " + (FILE_STATUS[file.status] || file.status)));
    if (file.document_id && (file.status === "indexed" || file.status === "unchanged" || file.status === "copy")) {
      var link = document.createElement("a");
      link.href = "/documents/" + file.document_id;
      link.textContent = "Xem văn bản";
      item.appendChild(document.createTextNode(" · "));
      item.appendChild(link);
    }
    if (file.reason) {
      var reason = document.createElement("span");
      reason.className = "muted";
      reason.textContent = " (" + file.reason + ")";
      item.appendChild(reason);
    }
    return item;
  }

  function render(job) {
    jobBox.hidden = false;
    progress.max = job.progress.total || 1;
    progress.value = job.progress.done;
    statusLine.textContent = (JOB_STATUS[job.status] || job.status) + " " + job.progress.done + "/" +
      job.progress.total + " tệp." + (job.error ? " " + job.error : "");
    jobBox.dataset.status = job.status;
    fileList.replaceChildren.apply(fileList, job.files.map(fileItem));
  }

  function answer(response) {
    return response.json().then(function (body) {
      if (!response.ok) {
        var message = HTTP_ERRORS[response.status] || "Không gửi được yêu cầu.";
        throw new Error(message + (body && body.message ? " Chi tiết: " + body.message : ""));
      }
      return body;
    });
  }

  function follow(url) {
    fetch(url, { headers: authHeaders() }).then(answer).then(function (job) {
      render(job);
      if (job.status === "queued" || job.status === "running") {
        window.setTimeout(function () { follow(url); }, POLL_MS);
      } else {
        button.disabled = false;
      }
    }).catch(function (error) {
      showError(error.message);
      button.disabled = false;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    showError("");
    var problem = tooLarge(filesInput.files);
    if (problem) {
      showError(problem);
      return;
    }
    if (remember.checked) window.localStorage.setItem(KEY_STORE, keyInput.value.trim());
    else window.localStorage.removeItem(KEY_STORE);
    var data = new FormData();
    for (var i = 0; i < filesInput.files.length; i++) data.append("files", filesInput.files[i]);
    data.append("access", form.elements.access.value);
    button.disabled = true;
    statusLine.textContent = "Đang gửi tệp…";
    jobBox.hidden = false;
    fetch("/api/documents", { method: "POST", headers: authHeaders(), body: data }).then(answer)
      .then(function (accepted) { follow(accepted.url); })
      .catch(function (error) {
        jobBox.hidden = true;
        showError(error.message);
        button.disabled = false;
      });
  });
})();
