"""The Jupyter bridge: into an instance's Jupyter server through a presigned URL.

:class:`~.session.JupyterSession` signs in (cookies, XSRF, renewal); :mod:`.api` reads and
changes the server through its REST API; :mod:`.activity` turns that into "idle since".
"""
