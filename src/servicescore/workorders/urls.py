from django.urls import path

from . import board, mobile, views

app_name = "workorders"

urlpatterns = [
    # desk: list, export, forms, detail
    path("", views.work_order_list, name="list"),
    path("export/", views.work_order_export, name="export"),
    path("new/", views.work_order_create, name="create"),
    path("<int:pk>/", views.work_order_detail, name="detail"),
    path("<int:pk>/edit/", views.work_order_edit, name="edit"),
    # POST endpoints shared by every page
    path("<int:pk>/action/<slug:action>/", views.work_order_action, name="action"),
    path("<int:pk>/labour/", views.labour, name="labour"),
    path("<int:pk>/labour/<int:line>/delete/", views.labour_delete, name="labour_delete"),
    path("<int:pk>/parts/", views.parts, name="parts"),
    path("<int:pk>/parts/<int:line>/delete/", views.parts_delete, name="parts_delete"),
    path("<int:pk>/note/", views.note, name="note"),
    path("photos/<int:photo_id>/", views.event_photo, name="photo"),
    # the labour-operation catalogue
    path("labour-operations/", views.labour_operations, name="labour_operations"),
    # the dispatch board
    path("board/", board.dispatch_board, name="board"),
    path("board/<int:pk>/assign/", board.board_assign, name="board_assign"),
    # the technician's phone
    path("mine/", mobile.my_work_orders, name="mine"),
    path("mine/<int:pk>/", mobile.my_work_order, name="mine_detail"),
]
