"""The standard instrument is the same for every agency: operators only (no agency path)."""

from django.contrib import admin

from agencies.scoping import AgencyScopedAdmin, AgencyScopedInline

from .models import Question, Survey


class QuestionInline(AgencyScopedInline, admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Survey)
class SurveyAdmin(AgencyScopedAdmin):
    list_display = ["title", "version", "introduced_on", "is_current"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(AgencyScopedAdmin):
    list_display = ["code", "pillar", "order", "text_en", "survey"]
    list_filter = ["pillar", "survey"]
    search_fields = ["code", "text_en", "text_es"]
