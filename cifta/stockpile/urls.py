from cifta.stockpile import urls_facilities, urls_inventory, urls_security

app_name = "stockpile"
urlpatterns = [*urls_facilities.urlpatterns, *urls_inventory.urlpatterns, *urls_security.urlpatterns]
