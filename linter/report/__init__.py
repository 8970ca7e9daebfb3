"""Reporting: diagnostics to text. Output formats, SARIF, fingerprints, baselines, quoted source lines."""
