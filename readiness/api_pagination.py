"""The API's paging: DRF's page numbers, with an empty ?page= refused like any other page that is
not a number (404 "Invalid page."), as the schema says `page` is an integer; DRF read it as 1."""

from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    def get_page_number(self, request, paginator):
        page_number = request.query_params.get(self.page_query_param, 1)
        if page_number in self.last_page_strings:
            return paginator.num_pages
        return page_number
