from rest_framework.pagination import CursorPagination


class Pagination(CursorPagination):
    """Cursor pagination: the same two-query cost on page 1 and page 20,000, and stable
    under inserts. `page_size` may be set by the client up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
