"""Real reported defects of activation and loss code, reproduced as small NumPy modules.

Each module reproduces one report faithfully (the formula the report quotes, in the float type the
report used) and cites it; ``controls.py`` holds correct implementations written independently.
``tests/test_corpus.py`` runs ``symact check`` on each: every defect must exit 1, every control 0.
"""
