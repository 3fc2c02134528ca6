from rest_framework.routers import SimpleRouter

from cifta.tracing.api import views

# Basenames are the lower-case model names (the standard battery reverses "api:<basename>-list").
router = SimpleRouter()
router.register("trace-policies", views.TracePolicyViewSet, basename="tracepolicy")
router.register("trace-cases", views.TraceCaseViewSet, basename="tracecase")
router.register("trace-markings", views.TraceMarkingViewSet, basename="tracemarking")
router.register("trace-requests", views.TraceRequestViewSet, basename="tracerequest")
router.register("trace-steps", views.TraceStepViewSet, basename="tracestep")
router.register("trace-answers", views.TraceAnswerViewSet, basename="traceanswer")
router.register("onward-shares", views.OnwardShareViewSet, basename="onwardshare")
router.register("trace-reminders", views.TraceReminderViewSet, basename="tracereminder")
router.register("trace-figures", views.TraceFiguresViewSet, basename="trace-figures")
urlpatterns = router.urls
