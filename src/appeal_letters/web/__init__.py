"""The supporters' page: an interface beside the command line, over the same library.

``create_app(workspace)`` is the Flask application (``appeal-letters serve`` runs it; gunicorn
runs ``appeal_letters.web:create_app()`` with APPEAL_LETTERS_WORKSPACE set).
"""

from .app import RATE_ENV, SECRET_ENV, WORKSPACE_ENV, create_app

__all__ = ["RATE_ENV", "SECRET_ENV", "WORKSPACE_ENV", "create_app"]
