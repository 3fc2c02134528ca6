"""Destruction pages: certificates (joined into the app's URLs by `destruction/urls.py`).

The first four are public (no log-in): verification by form, by number (what the QR code
points to, with or without the trailing slash) and the published public keys."""

from django.urls import URLPattern, path

from cifta.destruction import views_certificates as views

urlpatterns: list[URLPattern] = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:number>/", views.verify_number, name="verify_number"),
    path("verify/<str:number>", views.verify_number, name="verify_number_qr"),
    path("keys/", views.public_keys, name="public_keys"),
    path("keys.json", views.public_keys_json, name="public_keys_json"),
    path("certificates/", views.certificate_list, name="certificate_list"),
    path("certificates/export.csv", views.certificate_export, {"fmt": "csv"}, name="certificate_export_csv"),
    path("certificates/export.xlsx", views.certificate_export, {"fmt": "xlsx"}, name="certificate_export_xlsx"),
    path("certificates/<uuid:public_id>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<uuid:public_id>/pdf/", views.certificate_pdf_view, name="certificate_pdf"),
    path("certificates/<uuid:public_id>/json/", views.certificate_json, name="certificate_json"),
    path("certificates/<uuid:public_id>/withdraw/", views.certificate_withdraw, name="certificate_withdraw"),
    path("events/<uuid:public_id>/certify/", views.certificate_issue, name="certificate_issue"),
    path("signing-keys/", views.key_list, name="key_list"),
    path("signing-keys/create/", views.key_create, name="key_create"),
    path("signing-keys/rotate/", views.key_rotate, name="key_rotate"),
    path("signing-keys/<uuid:public_id>/revoke/", views.key_revoke, name="key_revoke"),
    path("totals/", views.totals, name="totals"),
    path("totals/export.csv", views.totals_export, {"fmt": "csv"}, name="totals_export_csv"),
    path("totals/export.xlsx", views.totals_export, {"fmt": "xlsx"}, name="totals_export_xlsx"),
]
