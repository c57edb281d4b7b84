"""Request and response schemas of the assistance REST API (`wangge.assistance.api`); their names
start with `Assistance` to stay unique across the API."""

import datetime as dt
import uuid as uuidlib
from typing import Any

from ninja import Field, Schema

from wangge.api.schemas import DATE_1900_2199, Id
from wangge.assistance.models import MAX_TEXT, Cause, DossierState, HelperKind, NeedKind, NeedState, Priority, Source


class AssistanceRef(Schema):
    id: int
    name: str


class AssistanceNeedIn(Schema):
    kind: NeedKind
    priority: Priority = Priority.ORDINARY
    note: str = Field("", max_length=MAX_TEXT)


class AssistanceDossierIn(Schema):
    household: Id
    situation: str = Field("", max_length=MAX_TEXT, description="The family situation; stored encrypted.")
    causes: list[Cause] = Field(default_factory=list, max_length=len(Cause))
    needs: list[AssistanceNeedIn] = Field(default_factory=list, max_length=50)
    source: Source = Source.SELF_REPORT


class AssistanceNeedOut(Schema):
    id: int
    kind: str
    priority: Priority
    state: NeedState
    note: str
    source: Source
    opened_at: dt.datetime
    pair: int | None


class AssistancePairOut(Schema):
    id: int
    dossier: int
    helper_kind: HelperKind
    helper_id: int
    campaign: int | None
    started_on: dt.date
    ended_on: dt.date | None


class AssistanceDossierListOut(Schema):
    """A dossier in a list: no sensitive fact."""

    id: int
    household: AssistanceRef
    grid: AssistanceRef
    state: DossierState
    sources: list[str]
    opened_on: dt.date
    reassess_on: dt.date


class AssistanceDossierOut(AssistanceDossierListOut):
    """One dossier. For its paired helper `situation` and `causes` are null and `needs` holds only
    the open needs assigned to the helper's pair."""

    situation: str | None
    causes: list[str] | None
    needs: list[AssistanceNeedOut]
    pairs: list[AssistancePairOut]


class AssistanceHelperIn(Schema):
    kind: HelperKind
    id: Id


class AssistancePairingIn(Schema):
    dossier: Id
    helper: AssistanceHelperIn
    campaign: Id | None = Field(None, description="A pairing campaign (千帮千) the pair is made in.")


class AssistanceHelpIn(Schema):
    uuid: uuidlib.UUID = Field(..., description="Sending a stored uuid again answers the stored help (200).")
    dossier: Id
    given_on: dt.date = Field(..., ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31), json_schema_extra=DATE_1900_2199)
    what: str = Field(..., min_length=1, max_length=MAX_TEXT, pattern=r"\S")
    value: float | None = Field(None, ge=0, le=99999999, description="In yuan, rounded to the fen.")
    hours: float | None = Field(None, ge=0, le=99999, description="Rounded to a tenth of an hour.")
    pair: Id | None = None
    need: Id | None = None


class AssistanceHelpOut(Schema):
    id: int
    uuid: uuidlib.UUID
    dossier: int
    given_on: dt.date
    what: str
    value: float | None
    hours: float | None
    pair: int | None
    need: int | None


class AssistanceCoverageIn(Schema):
    area: Id


class AssistanceCoverageOut(Schema):
    households: int
    paired: int
    visited_30d: int
    need_met: int


class AssistanceRoundIn(Schema):
    area: Id = Field(..., description="A district, community or grid you keep.")
    name: str = Field(..., min_length=1, max_length=200, pattern=r"\S")
    starts_on: dt.date = Field(..., ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31), json_schema_extra=DATE_1900_2199)
    ends_on: dt.date = Field(..., ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31), json_schema_extra=DATE_1900_2199)
    only_flagged: bool = Field(
        False,
        description="List only the households flagged by a visit in the last year or with a dossier in the "
        "database, instead of every household of the area.",
    )


class AssistanceRoundOut(Schema):
    """A survey round and its progress: `listed` households to see, `seen` of them seen,
    `to_see` not yet."""

    id: int
    area: AssistanceRef
    name: str
    starts_on: dt.date
    ends_on: dt.date
    only_flagged: bool
    listed: int
    seen: int
    to_see: int


class AssistanceRoundHouseholdOut(Schema):
    household: AssistanceRef
    grid: AssistanceRef
    seen_on: dt.date | None
    dossier: int | None

    @staticmethod
    def resolve_household(row: Any) -> dict[str, Any]:
        return {"id": row.household_id, "name": row.household.name}

    @staticmethod
    def resolve_grid(row: Any) -> dict[str, Any]:
        return {"id": row.household.grid_id, "name": row.household.grid.name}

    @staticmethod
    def resolve_dossier(row: Any) -> int | None:
        return row.dossier_id  # type: ignore[no-any-return]


class AssistanceRoundHouseholdFilter(Schema):
    seen: bool | None = Field(None, description="true: the households seen; false: those still to see.")


class AssistanceCampaignIn(Schema):
    area: Id = Field(..., description="A district, community or grid you keep.")
    name: str = Field(..., min_length=1, max_length=200, pattern=r"\S")
    starts_on: dt.date = Field(..., ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31), json_schema_extra=DATE_1900_2199)
    ends_on: dt.date | None = Field(
        None, ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31), json_schema_extra=DATE_1900_2199
    )


class AssistanceCampaignListOut(Schema):
    id: int
    area: AssistanceRef
    name: str
    starts_on: dt.date
    ends_on: dt.date | None
    current_pairs: int


class AssistanceCampaignPairOut(AssistancePairOut):
    helper_name: str
    household: AssistanceRef


class AssistanceCampaignOut(AssistanceCampaignListOut):
    """A campaign with every pair made in it (current and ended), the latest first."""

    pairs: list[AssistanceCampaignPairOut]


class AssistanceSkillsIn(Schema):
    kinds: list[NeedKind] = Field(default_factory=list, max_length=len(NeedKind))


class AssistanceSkillsOut(Schema):
    helper_kind: HelperKind
    helper_id: int
    kinds: list[NeedKind]
