"""securityserver's tables, on its own SQLModel registry (none yet: see migrations/)."""

from sqlmodel import SQLModel

from govkit.db import new_registry


class SecurityServerModel(SQLModel, registry=new_registry()):
    """Base class of every securityserver table."""
