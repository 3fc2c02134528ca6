from cifta.destruction import urls_certificates, urls_events

app_name = "destruction"
urlpatterns = [*urls_events.urlpatterns, *urls_certificates.urlpatterns]
