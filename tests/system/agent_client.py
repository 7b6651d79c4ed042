"""Drives `xcloud-agent rpc` from a test: one request line in, one reply line out."""
import json
import subprocess


class Agent:
    def __init__(self, binary, config):
        self.proc = subprocess.Popen([binary, "rpc", "--config", config], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.next_id = 0

    def call(self, method, params=None):
        self.next_id += 1
        request = {"id": self.next_id, "method": method, "params": params or {}}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        assert reply["id"] == self.next_id, reply
        return reply

    def ok(self, method, params=None):
        reply = self.call(method, params)
        assert "result" in reply, f"{method} failed: {reply}"
        return reply["result"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
