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

  // Every word this script shows comes with the page (service/messages.py), and the API answers it in
  // Vietnamese (Accept-Language: vi): its errors and each file's reason are shown as they come.
  var WORDS = JSON.parse(document.getElementById("upload-messages").textContent);

  function words(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return values[name]; });
  }

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
    if (files.length > maxFiles) return words(WORDS.too_many, { max: maxFiles });
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > maxFile) return words(WORDS.too_large, { name: files[i].name });
      total += files[i].size;
    }
    return total > maxTotal ? WORDS.total_too_large : "";
  }

  function authHeaders() {
    return { "Authorization": "Bearer " + keyInput.value.trim(), "Accept-Language": "vi" };
  }

  function fileItem(file) {
    var item = document.createElement("li");
    item.className = "job-file is-" + file.status;
    var name = document.createElement("strong");
    name.textContent = file.name;
    item.appendChild(name);
    item.appendChild(document.createTextNode(": " + (WORDS.file[file.status] || file.status)));
    if (file.document_id && (file.status === "indexed" || file.status === "unchanged" || file.status === "copy")) {
      var link = document.createElement("a");
      link.href = "/documents/" + file.document_id;
      link.textContent = WORDS.open;
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
    statusLine.textContent = (WORDS.job[job.status] || job.status) + " " + job.progress.done + "/" +
      job.progress.total + " " + WORDS.files + (job.error ? " " + job.error : "");
    jobBox.dataset.status = job.status;
    fileList.replaceChildren.apply(fileList, job.files.map(fileItem));
  }

  function answer(response) {
    return response.json().then(function (body) {
      if (!response.ok) throw new Error(body && body.message ? body.message : WORDS.refused);
      return body;
    }, function () {
      throw new Error(WORDS.refused);  // not JSON: a proxy's page, a dropped connection
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
    statusLine.textContent = WORDS.sending;
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
