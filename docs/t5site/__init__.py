"""The site's own code: what the hooks, pages and notebooks of docs/ import at build time.

Not part of the t5sym wheel (whose only dependency is SymPy): the calculator's generated
JavaScript (`calculator`, `jsprint`, `jspack`, ``calculator.js``), the SVG charts
(`charts`, matplotlib) and the console blocks pages show (`transcript`). Each module calls
into `t5sym`; nothing in `t5sym` imports this package. The docs hook ``docs/hooks/beside.py``
puts ``docs/`` on ``sys.path`` (and on ``PYTHONPATH`` for the processes it starts), and
``tests/conftest.py`` does the same for the tests. Its dependencies are pinned with the
docs build's in ``requirements/docs.txt``.
"""
