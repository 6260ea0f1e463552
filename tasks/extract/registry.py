"""The fact extractors: one `Extractor` per fact family, with its name, version and the tables it writes.

Adding a family is one entry in `EXTRACTORS` (see docs/architecture.md). Each row a family
returns is stamped with that family's name and version (`Extractor.run`), so a change to one
family marks only its own rows as stale.
"""

from __future__ import annotations

from tasks.extract.entities import ENTITIES
from tasks.extract.extractor import Extractor
from tasks.extract.legal_documents import LEGAL_DOCUMENTS
from tasks.extract.periods import PERIODS
from tasks.extract.places import PLACES
from tasks.extract.quantities import QUANTITIES
from tasks.extract.roles import ROLES

# Every fact family, in the order its rows are produced.
EXTRACTORS: tuple[Extractor, ...] = (QUANTITIES, PERIODS, LEGAL_DOCUMENTS, ENTITIES, PLACES, ROLES)


def warm_up() -> None:
    """Load every family's lexicons and tables now, so that the first articles do not pay for them."""
    for extractor in EXTRACTORS:
        if extractor.warm_up is not None:
            extractor.warm_up()


def extractor_versions() -> str:
    """One string naming every family's version; an article extracted with another is stale."""
    return ";".join(e.stamp for e in EXTRACTORS)
