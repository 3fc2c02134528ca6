from rest_framework.routers import SimpleRouter

from cifta.registry.api import views

# Basenames are the lower-case model names (the standard battery reverses "api:<basename>-list").
router = SimpleRouter()
router.register("firearms", views.FirearmViewSet, basename="firearm")
router.register("serial-numbers", views.SerialNumberViewSet, basename="serialnumber")
router.register("markings", views.MarkingViewSet, basename="marking")
router.register("firearm-events", views.FirearmEventViewSet, basename="firearmevent")
router.register("photos", views.FirearmPhotoViewSet, basename="firearmphoto")
router.register("holders", views.CivilianHolderViewSet, basename="civilianholder")
router.register("serial-ranges", views.SerialRangeViewSet, basename="serialrange")
router.register("hit-notices", views.HitNoticeViewSet, basename="hitnotice")
router.register("marking-sequences", views.MarkingSequenceViewSet, basename="markingsequence")
router.register("marking-sessions", views.MarkingSessionViewSet, basename="markingsession")
router.register("marking-session-items", views.MarkingSessionItemViewSet, basename="markingsessionitem")
router.register("import-mappings", views.ImportMappingViewSet, basename="importmapping")
router.register("import-jobs", views.ImportJobViewSet, basename="importjob")
router.register("serial-lookup", views.SerialLookupViewSet, basename="serial-lookup")
router.register("serial-search", views.SerialSearchViewSet, basename="serial-search")
urlpatterns = router.urls
