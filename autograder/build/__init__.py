"""Build student handouts and LMS autograder bundles, as a chain of small steps:
render (jinja2 + nbformat) -> assemble folders -> validate (nbformat, leak scan) -> package (zip).

``build(specs, out)`` writes::

    <out>/handouts/<slug>/ and <slug>.zip         what students get: public checks and data only
    <out>/autograder/<slug>-gradescope/ and .zip   what Gradescope runs: hidden checks and data, no solution
"""

from autograder.build.pipeline import BuildResult, build

__all__ = ["BuildResult", "build"]
