"""The command line: --help, --version, check-config, and a clear failure on a bad config."""
import os
import subprocess
import sys
import tempfile
import unittest

BINARY = sys.argv.pop(1)
SOURCE = sys.argv.pop(1)


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=30)


class CliTest(unittest.TestCase):
    def test_help_and_version(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("serve", r.stdout)
        self.assertIn("check-config", r.stdout)
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"strata \d+\.\d+\.\d+")
        r = run("serve", "--help")
        for flag in ("--config", "--listen", "--data-dir"):
            self.assertIn(flag, r.stdout)

    def test_check_config_accepts_the_shipped_file(self):
        r = run("check-config", os.path.join(SOURCE, "config", "strata.yaml"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK", r.stdout)

    def test_check_config_rejects_a_bad_file_with_the_key(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("storage:\n  wal_fsync: sometimes\n")
        try:
            r = run("check-config", f.name)
            self.assertEqual(r.returncode, 1)
            self.assertIn("storage.wal_fsync", r.stderr)
            r = run("serve", "--config", f.name)
            self.assertEqual(r.returncode, 1)
            self.assertIn("storage.wal_fsync", r.stderr)
        finally:
            os.unlink(f.name)

    def test_missing_config_file(self):
        r = run("check-config", "/nonexistent.yaml")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot be read", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
