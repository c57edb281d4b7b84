"""Every change to persons and their profiles, and every reading of personal data in clear.

Personal data (ID number, phone, sensitive facts) is encrypted on the way in. It comes back in
clear only through the actions, each of which checks role and scope (the personal-data roles
over the person's grid; outside scope a person does not exist: 404) and writes an audit row
that names the fields and the reason, never the values. One module per topic:

- `registry`: adding persons (sealed on the way in, many at a time), members and workers;
- `access`: who may read personal data, `reveal_personal_data`, `visible_fields` /
  `visible_fields_for`, `access_report` (residents' right of access);
- `rights`: `correct_person` (correction with history), `anonymise_person` /
  `anonymise_persons` (after the retention period);
- `keys`: `rotate_data_key`, `reencrypt_values`, `rotate_index_key`, `reindex_values`: key
  rotation over every encrypted column of every app, in batches, while the platform runs.

The names below are the actions' public API, importable from `wangge.people.actions`.
"""

from wangge.people.actions.access import (
    PersonFields,
    access_report,
    person_not_found,
    require_personal_data_access,
    reveal_personal_data,
    visible_fields,
    visible_fields_for,
)
from wangge.people.actions.keys import (
    SETTLE_SECONDS,
    ColumnRewrite,
    reencrypt_values,
    reindex_values,
    rotate_data_key,
    rotate_index_key,
)
from wangge.people.actions.registry import (
    PERSON_GIVEN,
    PLAIN_FIELDS,
    SEALED_COLUMNS,
    PersonInput,
    add_persons,
    add_workers,
    create_person,
    create_persons,
    prepare,
    register_members,
    seal,
)
from wangge.people.actions.rights import (
    ANONYMISED_NAME,
    CORRECTABLE_FIELDS,
    AnonymiseReport,
    anonymise_person,
    anonymise_persons,
    correct_person,
    due_for_anonymisation,
    retention_cutoff,
)
from wangge.people.sensitive import decrypt_sensitive, encrypt_sensitive, sensitive_kept

__all__ = [
    "ANONYMISED_NAME",
    "CORRECTABLE_FIELDS",
    "PERSON_GIVEN",
    "PLAIN_FIELDS",
    "SEALED_COLUMNS",
    "SETTLE_SECONDS",
    "AnonymiseReport",
    "ColumnRewrite",
    "PersonFields",
    "PersonInput",
    "access_report",
    "add_persons",
    "add_workers",
    "anonymise_person",
    "anonymise_persons",
    "correct_person",
    "create_person",
    "create_persons",
    "decrypt_sensitive",
    "due_for_anonymisation",
    "encrypt_sensitive",
    "person_not_found",
    "prepare",
    "reencrypt_values",
    "register_members",
    "reindex_values",
    "retention_cutoff",
    "require_personal_data_access",
    "reveal_personal_data",
    "rotate_data_key",
    "rotate_index_key",
    "seal",
    "sensitive_kept",
    "visible_fields",
    "visible_fields_for",
]
