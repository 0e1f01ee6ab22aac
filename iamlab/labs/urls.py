from django.urls import path

from iamlab.web import LazyViews

views = LazyViews("iamlab.labs.views")
views_course = LazyViews("iamlab.labs.views_course")

app_name = "labs"
urlpatterns = [
    path("", views.lab_list, name="list"),
    path("course/", views_course.course_map, name="course"),
    path("course/glossary/", views_course.glossary_page, name="glossary"),
    path("course/<slug:key>/", views_course.unit_page, name="unit"),
    path("join/", views.join_class, name="join"),
    path("classes/", views.class_list, name="classes"),
    path("classes/<int:pk>/", views.class_page, name="class"),
    path("classes/<int:pk>/grades.csv", views.class_grades, name="grades"),
    path(
        "classes/<int:pk>/students/<int:student>/quizzes/<slug:slug>/",
        views.class_student_quiz,
        name="class_quiz",
    ),
    path("quizzes/<slug:slug>/", views.quiz_page, name="quiz"),
    path("quizzes/<slug:slug>/<slug:qid>/<slug:act>/", views.quiz_act, name="quiz_act"),
    path("manage/", views.manage, name="manage"),
    path("manage/export/", views.export, name="export_all"),
    path("manage/copy/<slug:kind>/<slug:slug>/", views.copy, name="copy"),
    path("manage/export/<slug:slug>/", views.export, name="export"),
    path("<slug:slug>/", views.lab_page, name="scenario"),
    path("<slug:slug>/start/", views.lab_start, name="start"),
    path("<slug:slug>/check/", views.lab_check, name="check"),
    path("<slug:slug>/hint/", views.lab_hint, name="hint"),
]
