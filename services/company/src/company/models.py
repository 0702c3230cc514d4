"""company's tables, on its own SQLModel registry (see migrations/)."""

from sqlmodel import SQLModel

from govkit.auth.models import auth_tables
from govkit.db import new_registry


class CompanyModel(SQLModel, registry=new_registry()):
    """Base class of every company table."""


#: Sign-in: provider sessions ended by back-channel logout, logout tokens already received.
AUTH = auth_tables(CompanyModel)
