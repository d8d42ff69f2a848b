"""Build hook for the optional C speedups; all metadata is in pyproject.toml.

``socketio/_speedups.c`` is compiled when a C compiler and the Python headers
are available. The build is optional: without them (or on PyPy) the package
installs all the same and uses the pure Python code, which behaves the same.
Set ``SOCKETIO_NO_SPEEDUPS=1`` at install time to skip the build.
"""
import os
import platform

from setuptools import Extension, setup

ext_modules = []
if platform.python_implementation() == 'CPython' and \
        not os.environ.get('SOCKETIO_NO_SPEEDUPS'):
    ext_modules.append(Extension('socketio._speedups', ['socketio/_speedups.c'],
                                 optional=True))

setup(ext_modules=ext_modules)
