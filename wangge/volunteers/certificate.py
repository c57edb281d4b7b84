"""The certificate of volunteer hours (志愿服务记录证明) as a PDF, drawn by WeasyPrint from a Django
template with the Noto CJK font embedded (no browser).

What it shows, after the Ministry of Civil Affairs' rules on volunteer service records (志愿服务
记录与证明出具办法, 2020): the volunteer's name and ID number (masked, when the registry has it),
the organisation issuing it (the station and its community), the period, the total hours, the
services with their dates, places and hours, the date of issue and a verification code.
"""

from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

from wangge.volunteers import figures
from wangge.volunteers.models import Certificate

# An official record in Chinese whatever the reader's language (its template's `<style>` is for
# WeasyPrint: the page is never served as HTML, so the site's CSP does not apply).
CERTIFICATE_LANGUAGE = "zh-hans"


def render_pdf(certificate: Certificate) -> bytes:
    volunteer = certificate.volunteer
    context = {
        "certificate": certificate,
        "person": volunteer.person,
        "station": volunteer.station,
        "community": volunteer.station.community,
        "services": figures.services(volunteer.pk, certificate.first_day, certificate.last_day),
        "issued_on": timezone.localdate(certificate.created_at),
    }
    with translation.override(CERTIFICATE_LANGUAGE):
        html = render_to_string("volunteers/certificate.html", context)
    return HTML(string=html).write_pdf() or b""
