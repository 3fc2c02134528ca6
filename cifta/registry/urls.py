from django.urls import path

from cifta.registry import views
from cifta.registry.views_import import (  # imports and marking sessions
    import_detail,
    import_list,
    import_new,
    import_progress,
    marking_log_upload,
    marking_session_detail,
    marking_session_list,
    marking_session_new,
)

app_name = "registry"
# Imports and marking sessions append their patterns to this list.
urlpatterns = [
    path("", views.firearm_list, name="firearm_list"),
    path("firearms/export.csv", views.firearm_export, {"fmt": "csv"}, name="firearm_export_csv"),
    path("firearms/export.xlsx", views.firearm_export, {"fmt": "xlsx"}, name="firearm_export_xlsx"),
    path("firearms/new/", views.firearm_register, name="firearm_register"),
    path("firearms/<uuid:public_id>/", views.firearm_detail, name="firearm_detail"),
    path("firearms/<uuid:public_id>/edit/", views.firearm_edit, name="firearm_edit"),
    path("firearms/<uuid:public_id>/events/new/", views.event_add, name="event_add"),
    path("firearms/<uuid:public_id>/markings/new/", views.marking_add, name="marking_add"),
    path("firearms/<uuid:public_id>/photos/new/", views.photo_add, name="photo_add"),
    path("firearms/<uuid:public_id>/state-marking/", views.state_marking, name="state_marking"),
    path("photos/<uuid:public_id>/", views.photo_image, name="photo_image"),
    path("lost/", views.register_list, {"register": "lost"}, name="lost_list"),
    path("stolen/", views.register_list, {"register": "stolen"}, name="stolen_list"),
    path("seized/", views.register_list, {"register": "seized"}, name="seized_list"),
    path("hits/", views.hit_list, name="hit_list"),
    path("hits/<uuid:public_id>/read/", views.hit_read, name="hit_read"),
    path("lookup/", views.serial_lookup, name="serial_lookup"),
    path("search/", views.serial_search, name="serial_search"),
    path("ranges/", views.serial_range_list, name="serial_range_list"),
    path("compliance/", views.compliance_report, name="compliance_report"),
    path("compliance/export.csv", views.compliance_export, name="compliance_export"),
    path("holders/", views.holder_list, name="holder_list"),
    path("holders/new/", views.holder_new, name="holder_new"),
    path("holders/<uuid:public_id>/", views.holder_detail, name="holder_detail"),
    # Imports and marking sessions (views_import.py).
    path("imports/", import_list, name="import_list"),
    path("imports/new/", import_new, name="import_new"),
    path("imports/<uuid:public_id>/", import_detail, name="import_detail"),
    path("imports/<uuid:public_id>/progress/", import_progress, name="import_progress"),
    path("marking-sessions/", marking_session_list, name="marking_session_list"),
    path("marking-sessions/new/", marking_session_new, name="marking_session_new"),
    path("marking-sessions/<uuid:public_id>/", marking_session_detail, name="marking_session_detail"),
    path("marking-sessions/<uuid:public_id>/log/", marking_log_upload, name="marking_log_upload"),
]
