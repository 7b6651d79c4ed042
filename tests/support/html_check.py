#!/usr/bin/python3
"""Loads an HTML file in headless Chromium, reports console errors, and saves a
full-page PNG screenshot, so tests can prove a generated report renders cleanly.

Usage: html_check.py FILE.html --screenshot OUT.png [--width 1280] [--timeout 60]

Errors and warnings go to stderr, compiler style (path:line:col: error: ...);
stdout gets a one-line summary and an "INFO {json}" line (title, svg and table
counts, document width and height) for tests to assert the page rendered.
Exit status: 0 no errors, 1 errors found (warnings alone do not fail),
2 usage or launch problems (Chromium missing, crashed, or timed out).
Set XC_CHROMIUM to use another Chromium binary.
Standard library only: it talks the DevTools protocol over --remote-debugging-pipe.
Single-threaded; not meant to be imported concurrently.
"""
import argparse
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

# Pages must be self-contained; these schemes never leave the machine.
kLocalSchemes = {"file", "data", "blob", "about"}
kViewportHeight = 800
kShutdownSeconds = 3.0  # for the killed process group to be reaped


class LaunchError(Exception):
    """Chromium could not be started, died, or did not answer in time (exit 2)."""


def find_chromium():
    # The real binary, not Debian's /usr/bin/chromium wrapper: the wrapper adds
    # --load-extension and --enable-remote-extensions from /etc/chromium.d.
    override = os.environ.get("XC_CHROMIUM")
    if override:
        if os.access(override, os.X_OK):
            return override
        raise LaunchError(f"chromium not found: XC_CHROMIUM={override} is not an executable")
    for path in ("/usr/lib/chromium/chromium",
                 shutil.which("chromium"), shutil.which("chromium-browser"),
                 shutil.which("google-chrome")):
        if path and os.access(path, os.X_OK):
            return path
    raise LaunchError("chromium not found (tried /usr/lib/chromium/chromium, "
                      "chromium, chromium-browser, google-chrome on PATH)")


class Browser:
    """One Chromium process spoken to over the DevTools pipe (fds 3 and 4)."""

    def __init__(self, binary, width, timeout):
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.tmp = tempfile.mkdtemp(prefix="html_check.")
        self.proc = None
        self.next_id = 0
        self.buffer = b""
        self.answered = False
        self.listener = None  # called with (method, params, sessionId) per event
        self.stderr_path = os.path.join(self.tmp, "chromium.stderr")
        flags = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-extensions", "--disable-sync", "--mute-audio", "--hide-scrollbars",
            "--disable-component-update", "--disable-default-apps", "--disable-breakpad",
            "--disable-crash-reporter", "--no-proxy-server", "--force-color-profile=srgb",
            "--disable-features=Translate,MediaRouter,OptimizationHints",
            # Belt and braces with the Fetch interception: no name ever resolves,
            # so a stray request fails fast instead of waiting on DNS in CI.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--window-size={width},{kViewportHeight}",
            f"--user-data-dir={os.path.join(self.tmp, 'profile')}",
            "--remote-debugging-pipe", "about:blank",
        ]
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def move_pipe_fds():
            # Chromium insists on fds 3 and 4; duplicate above them first so
            # neither dup2 can clobber the other end.
            r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(r, 3)
            os.dup2(w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        try:
            with open(self.stderr_path, "wb") as err:
                # A new session makes renderers and the crashpad handler one
                # process group we can kill together.
                self.proc = subprocess.Popen(
                    [binary] + flags, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=err, pass_fds=(3, 4), preexec_fn=move_pipe_fds,
                    start_new_session=True)
        except OSError as e:
            raise LaunchError(f"{binary}: cannot start chromium: {e}") from e
        finally:
            os.close(to_chrome_r)
            os.close(from_chrome_w)

    def stderr_tail(self):
        try:
            with open(self.stderr_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").strip().splitlines()
            return "\n".join(lines[-10:])
        except OSError:
            return ""

    def died(self, doing):
        try:
            status = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            status = "still running"
        return LaunchError(f"chromium closed its DevTools pipe (exit status {status}) while "
                           f"{doing}; its stderr ends:\n{self.stderr_tail() or '(empty)'}")

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.to_chrome, data):]
        except BrokenPipeError as e:
            raise self.died(f"sending {method}") from e
        return self.next_id

    def read_message(self, waiting_for):
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                message = f"timeout: no {waiting_for} within {self.timeout:g} s"
                if not self.answered:  # never started properly: its stderr says why
                    message += f"; chromium's stderr ends:\n{self.stderr_tail() or '(empty)'}"
                raise LaunchError(message)
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise self.died(f"waiting for {waiting_for}")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        self.answered = True
        return json.loads(raw)

    def call(self, method, params=None, session=None):
        """Sends a command and returns its result; events seen meanwhile go to listener."""
        want = self.send(method, params, session)
        while True:
            msg = self.read_message(method)
            if msg.get("id") == want:
                if "error" in msg:
                    raise LaunchError(f"{method} failed: {msg['error'].get('message')}")
                return msg.get("result", {})
            self.dispatch(msg)

    def wait_for(self, event, session):
        while True:
            msg = self.read_message(event)
            self.dispatch(msg)
            if msg.get("method") == event and msg.get("sessionId") == session:
                return

    def dispatch(self, msg):
        if "method" in msg and self.listener:
            self.listener(msg["method"], msg.get("params", {}), msg.get("sessionId"))

    def close(self):
        """Stops Chromium and removes its profile, whatever state it is in."""
        try:
            if self.proc:
                try:
                    # No graceful Browser.close: the profile is thrown away, and
                    # it costs half a second. The group takes renderers and the
                    # crashpad handler too, which can outlive the browser.
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                try:
                    self.proc.wait(timeout=kShutdownSeconds)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            for fd in (self.to_chrome, self.from_chrome):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.tmp, ignore_errors=True)


def location(url, line, column):
    """file:///x/r.html, 0-based 11, 4 -> /x/r.html:12:5 (compiler style)."""
    if not url:
        return ""
    if url.startswith("file://"):
        url = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    if line is None:
        return url
    return f"{url}:{line + 1}:{(column or 0) + 1}"


def describe(remote_object):
    """A console argument as the DevTools console would show it, roughly."""
    o = remote_object
    if "value" in o:
        return o["value"] if isinstance(o["value"], str) else json.dumps(o["value"])
    preview = o.get("preview")
    if preview and preview.get("type") == "object":
        props = ", ".join(f"{p['name']}: {p.get('value', '')}" for p in preview["properties"])
        more = ", …" if preview.get("overflow") else ""
        if preview.get("subtype") == "array":
            items = ", ".join(p.get("value", "") for p in preview["properties"])
            return f"[{items}{more}]"
        return f"{{{props}{more}}}"
    return o.get("unserializableValue") or o.get("description") or o.get("type", "?")


class Report:
    """Errors and warnings seen while the page loads, deduplicated, in order."""

    def __init__(self, page_path):
        self.page_path = page_path
        self.errors = []
        self.warnings = []
        self.requests = {}  # requestId -> url
        self.bad_urls = set()  # external URLs, already reported
        self.failed_urls = set()  # local loads that failed, already reported
        self.network_log = []  # Log's copies of load failures: (url, level, where, text)

    def add(self, kind, where, message):
        line = f"{where or self.page_path}: {kind}: {message}"
        target = self.errors if kind == "error" else self.warnings
        if line not in target:
            target.append(line)

    def external(self, url):
        if urllib.parse.urlsplit(url).scheme.lower() in kLocalSchemes or url in self.bad_urls:
            return False
        self.bad_urls.add(url)
        self.add("error", None, f"request to {url}: pages must be self-contained "
                                "(only file: and data: URLs)")
        return True

    def on_event(self, method, p):
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text", "exception")
            self.add("error", location(d.get("url"), d.get("lineNumber"), d.get("columnNumber")),
                     f"uncaught exception: {text.splitlines()[0]}")
        elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert", "warning"):
            frames = p.get("stackTrace", {}).get("callFrames", [])
            where = location(frames[0]["url"], frames[0]["lineNumber"],
                             frames[0]["columnNumber"]) if frames else None
            text = " ".join(describe(a) for a in p.get("args", []))
            if p["type"] == "assert":
                text = "assertion failed: " + (text or "console.assert")
            kind = "warning" if p["type"] == "warning" else "error"
            api = "warn" if p["type"] == "warning" else p["type"]
            self.add(kind, where, f"console.{api}: {text}")
        elif method == "Log.entryAdded":
            e = p["entry"]
            if e["level"] in ("error", "warning"):
                where = location(e.get("url"), e.get("lineNumber"), None)
                if e.get("source") == "network":
                    self.network_log.append((e.get("url"), e["level"], where, e["text"]))
                else:
                    self.add(e["level"], where, f"{e.get('source', 'log')}: {e['text']}")
        elif method == "Network.requestWillBeSent":
            url = p["request"]["url"]
            self.requests[p["requestId"]] = url
            self.external(url)
        elif method == "Network.webSocketCreated":
            self.external(p["url"])
        elif method == "Network.loadingFailed":
            url = self.requests.get(p["requestId"], "?")
            if url not in self.bad_urls and not p.get("canceled"):
                self.failed_urls.add(url)
                self.add("error", None, f"failed to load {url}: {p.get('errorText')}")

    def finish(self):
        # Network and Log both report a failed load; keep Log's only if alone.
        for url, level, where, text in self.network_log:
            named = url in self.bad_urls or url in self.failed_urls
            if not named and not any(bad in text for bad in self.bad_urls):
                self.add(level, where, f"network: {text}")


def check(args, browser, report):
    """Drives one page load; returns INFO (title, counts, size) and writes the PNG."""
    b = browser
    target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def on_event(method, params, session):
        if session != s:
            return
        if method == "Fetch.requestPaused":
            # Answered at once, whatever we are waiting for: a paused request
            # would otherwise stall the load event or document.fonts.ready.
            req_url = params["request"]["url"]
            if report.external(req_url) or req_url in report.bad_urls:
                b.send("Fetch.failRequest", {"requestId": params["requestId"],
                       "errorReason": "BlockedByClient"}, session=s)
            else:
                b.send("Fetch.continueRequest", {"requestId": params["requestId"]}, session=s)
        else:
            report.on_event(method, params)

    b.listener = on_event
    for domain in ("Runtime", "Log", "Page", "Network"):
        b.call(f"{domain}.enable", session=s)
    # Intercepting every request lets us fail external ones before they go out.
    b.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=s)
    b.call("Emulation.setDeviceMetricsOverride", {"width": args.width, "height": kViewportHeight,
           "deviceScaleFactor": 1, "mobile": False}, session=s)

    url = "file://" + urllib.request.pathname2url(os.path.abspath(args.file))
    nav = b.call("Page.navigate", {"url": url}, session=s)
    if nav.get("errorText"):
        report.add("error", None, f"cannot load page: {nav['errorText']}")
        return None

    b.wait_for("Page.loadEventFired", s)
    # Fonts and two animation frames: the layout we measure is the one painted.
    b.call("Runtime.evaluate", {"expression": "document.fonts.ready.then(() => new Promise("
           "r => requestAnimationFrame(() => requestAnimationFrame(r))))",
           "awaitPromise": True}, session=s)
    info = b.call("Runtime.evaluate", {"expression": "({title: document.title, "
                  "svg: document.querySelectorAll('svg').length, "
                  "tables: document.querySelectorAll('table').length})",
                  "returnByValue": True}, session=s)["result"]["value"]
    metrics = b.call("Page.getLayoutMetrics", session=s)
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    info["width"] = max(args.width, int(size["width"] + 0.5))
    info["height"] = max(1, int(size["height"] + 0.5))
    shot = b.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                  "clip": {"x": 0, "y": 0, "width": info["width"], "height": info["height"],
                           "scale": 1}}, session=s)
    with open(args.screenshot, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    return info


def main(argv):
    sys.stdout.reconfigure(errors="backslashreplace")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", metavar="FILE.html")
    parser.add_argument("--screenshot", metavar="OUT.png", required=True)
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS px")
    parser.add_argument("--timeout", type=float, default=60, help="seconds for the whole check")
    args = parser.parse_args(argv)  # exits 2 on usage errors
    if not os.path.isfile(args.file):
        print(f"{args.file}: error: no such file", file=sys.stderr)
        return 2
    if args.width <= 0 or args.timeout <= 0:
        print("error: --width and --timeout must be positive", file=sys.stderr)
        return 2

    # SIGTERM (a CI job cancelled) must still run the finally that kills Chromium.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    report = Report(args.file)
    browser = None
    try:
        browser = Browser(find_chromium(), args.width, args.timeout)
        info = check(args, browser, report)
    except LaunchError as e:
        # What the page said before the check broke off often explains it.
        report.finish()
        for line in report.errors + report.warnings:
            print(line, file=sys.stderr)
        print(f"{args.file}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if browser:
            browser.close()

    report.finish()
    for line in report.errors + report.warnings:
        print(line, file=sys.stderr)
    if info is None:
        print(f"{args.file}: not loaded, {len(report.errors)} error(s)")
        return 1
    print(f"{args.file}: title {json.dumps(info['title'], ensure_ascii=False)}, "
          f"document {info['width']}x{info['height']}, {len(report.errors)} error(s), "
          f"{len(report.warnings)} warning(s), screenshot {args.screenshot}")
    print("INFO " + json.dumps(info, ensure_ascii=False))
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
