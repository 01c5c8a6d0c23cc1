"""Flask extensions, created unbound and bound in create_app."""

from typing import TYPE_CHECKING

from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from core.models import Base


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, with `db.session` typed as the Session it stands for.

    `db.session` is a scoped_session: a proxy that forwards every Session method to the
    session of the current app context. Services declare `session: Session` and views pass
    `db.session`; typing the proxy as the Session it forwards to lets mypy check those calls
    without a cast at every call site.
    """

    if TYPE_CHECKING:
        session: Session  # type: ignore[assignment]


db = Database(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
bootstrap = Bootstrap5()
