"""Photos of a case: checked by content, re-encoded as JPEG without their metadata, stored."""

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from wangge.accounts.models import User
from wangge.cases.models import Attachment, Case, CaseEvent
from wangge.lib.images import clean_image


def attach_photo(
    acting_user: User | None, case: Case, *, upload: Any, public: bool = True, event: CaseEvent | None = None
) -> Attachment:
    """Attach a photo: content-checked, re-encoded, metadata stripped."""
    image = clean_image(upload)
    with transaction.atomic():
        return store_photo(acting_user, case, image, public=public, event=event)


def store_photo(
    acting_user: User | None, case: Case, image: tuple[bytes, int, int], *, public: bool, event: CaseEvent | None
) -> Attachment:
    data, width, height = image
    attachment = Attachment(
        case=case,
        event=event,
        uploaded_by=acting_user if acting_user and acting_user.is_authenticated else None,
        width=width,
        height=height,
        size=len(data),
        public=public,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
    attachment.save()
    return attachment
