"""URLs of the catalogue: the public guide portal under /guide/, staff pages under /catalog/."""

from zhengwu.catalog.views import public, staff

app_name = "catalog"
urlpatterns = [*public.urlpatterns, *staff.urlpatterns]
