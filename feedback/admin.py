from django.contrib import admin

from .models import CodeBatch, Feedback, FeedbackCode, ModerationDecision, PublicResponse, ServiceCall


@admin.register(ServiceCall)
class ServiceCallAdmin(admin.ModelAdmin):
    list_display = ["reference", "category", "occurred_on", "district", "sensitive", "agency"]
    list_filter = ["category", "sensitive"]
    search_fields = ["reference"]


@admin.register(CodeBatch)
class CodeBatchAdmin(admin.ModelAdmin):
    list_display = ["agency", "kind", "size", "created_at"]


@admin.register(FeedbackCode)
class FeedbackCodeAdmin(admin.ModelAdmin):
    list_display = ["agency", "batch", "expires_on"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["agency", "interaction_month", "category", "language", "moderation_state"]
    list_filter = ["moderation_state", "category", "language"]


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    list_display = ["feedback", "action", "reason", "moderator", "decided_at"]


@admin.register(PublicResponse)
class PublicResponseAdmin(admin.ModelAdmin):
    list_display = ["feedback", "published_on"]
