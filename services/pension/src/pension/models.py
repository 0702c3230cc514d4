"""pension's tables, on its own SQLModel registry (none yet: see migrations/)."""

from sqlmodel import SQLModel

from govkit.db import new_registry


class PensionModel(SQLModel, registry=new_registry()):
    """Base class of every pension table."""
