"""Study API (stable paths): issues, daily check-ins, and the test-taking calls of the
phone page — start a sitting, save each answer as it is given (PUT), submit.

Members are residents bound to a party-member volunteer (session of the portal, or a
token); staff read the issue list in their scope. Bad input is 400 with a field → Chinese
message map and writes nothing; another member's sitting or a test not sent to the
member's branch is 404.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import CheckIn, SittingState


class IsMember(BasePermission):
    """A signed-in resident account (the service refuses one bound to no party member)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "kind", "") == "resident")


class IsMemberOrStaffReader(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(user, "kind", "") == "resident":
            return True
        return user.has_perm("learning.view_studyissue")


class LearningIssueOut(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    reading_minutes = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)


class IssueList(APIView):
    permission_classes = [IsMemberOrStaffReader]

    @extend_schema(responses=LearningIssueOut(many=True), summary="学习资料（本支部 / 范围内）")
    def get(self, request):
        if request.user.kind == "resident":
            member = selectors.member_for_user(request.user)
            qs = selectors.member_issues(member) if member else []
        else:
            qs = selectors.issue_list(user=request.user)
        return Response(LearningIssueOut(list(qs[:200]), many=True).data)


class LearningCheckinIn(serializers.Serializer):
    minutes = serializers.IntegerField(min_value=1, max_value=1440)
    source = serializers.ChoiceField(choices=CheckIn.Source.choices, default="timer")
    book = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    issue = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


class LearningCheckinOut(serializers.Serializer):
    id = serializers.IntegerField()
    minutes = serializers.IntegerField()
    points = serializers.IntegerField()
    day_minutes = serializers.IntegerField(source="day.minutes")
    day_points = serializers.IntegerField(source="day.points")


class CheckinCreate(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        request=LearningCheckinIn,
        responses={201: LearningCheckinOut, 400: None},
        summary="每日一学打卡",
    )
    def post(self, request):
        data = LearningCheckinIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        issue = None
        if d.get("issue"):
            member = services.member_of(request.user)
            issue = selectors.member_issue(member, d["issue"])
        checkin = services.checkin_create(
            actor=request.user,
            minutes=d["minutes"],
            source=d["source"],
            book=d["book"],
            issue=issue,
        )
        return Response(LearningCheckinOut(checkin).data, status=status.HTTP_201_CREATED)


class LearningPaperQuestion(serializers.Serializer):
    question_id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.CharField()
    stem = serializers.CharField()
    options = serializers.JSONField()
    points = serializers.IntegerField()
    given = serializers.CharField()


class LearningSittingOut(serializers.Serializer):
    id = serializers.IntegerField()
    test = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()
    max_score = serializers.IntegerField()
    score = serializers.IntegerField(allow_null=True)
    questions = LearningPaperQuestion(many=True)


class LearningResultQuestion(LearningPaperQuestion):
    correct = serializers.CharField()
    is_correct = serializers.BooleanField()
    awarded = serializers.IntegerField()
    explanation = serializers.CharField()


class LearningResultOut(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    score = serializers.IntegerField()
    max_score = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    questions = LearningResultQuestion(many=True)


def paper(sitting, questions, *, now=None) -> dict:
    """The sitting with its questions and the answers saved so far — never the correct
    answers while it is open."""
    now = now or timezone.now()
    return {
        "id": sitting.pk,
        "test": sitting.test_id,
        "title": sitting.test.title,
        "state": sitting.state,
        "started_at": sitting.started_at,
        "deadline": sitting.deadline,
        "remaining_seconds": max(0, int((sitting.deadline - now).total_seconds()))
        if sitting.state == SittingState.OPEN
        else 0,
        "max_score": sitting.max_score,
        "score": sitting.score,
        "questions": [
            {
                "question_id": q.question_id,
                "position": q.position,
                "kind": q.kind,
                "stem": q.stem,
                "options": q.options,
                "points": q.points,
                "given": q.given,
            }
            for q in questions
        ],
    }


def result(sitting, questions) -> dict:
    return {
        "id": sitting.pk,
        "state": sitting.state,
        "score": sitting.score,
        "max_score": sitting.max_score,
        "submitted_at": sitting.submitted_at,
        "questions": [
            {
                "question_id": q.question_id,
                "position": q.position,
                "kind": q.kind,
                "stem": q.stem,
                "options": q.options,
                "points": q.points,
                "given": q.given,
                "correct": q.correct,
                "is_correct": bool(q.is_correct),
                "awarded": q.awarded or 0,
                "explanation": q.explanation,
            }
            for q in questions
        ],
    }


class SittingStart(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        request=None,
        responses={201: LearningSittingOut, 200: LearningSittingOut, 400: None, 404: None},
        summary="开始答题（已开始则继续同一份答卷）",
    )
    def post(self, request, pk: int):
        member = services.member_of(request.user)
        test = selectors.member_test(member, pk)
        sitting, created = services.sitting_start(actor=request.user, test=test, member=member)
        sitting.test = test
        return Response(
            paper(sitting, sitting.questions.all()),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class SittingDetail(APIView):
    permission_classes = [IsMember]

    @extend_schema(responses={200: LearningSittingOut, 404: None}, summary="答卷（断线后继续作答）")
    def get(self, request, pk: int):
        member = services.member_of(request.user)
        sitting = selectors.member_sitting(member, pk)
        return Response(paper(sitting, sitting.questions.all()))


class LearningAnswerIn(serializers.Serializer):
    answer = serializers.JSONField(help_text='单选/判断："A"/"T"；多选：["A","C"]；填空：文本')


class LearningAnswerOut(serializers.Serializer):
    question_id = serializers.IntegerField()
    given = serializers.CharField()
    answered_at = serializers.DateTimeField()


class AnswerPut(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        request=LearningAnswerIn,
        responses={200: LearningAnswerOut, 400: None, 404: None},
        summary="保存一题的作答",
    )
    def put(self, request, pk: int, question_id: int):
        data = LearningAnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        sq = services.answer_save(
            actor=request.user,
            sitting_id=pk,
            question_id=question_id,
            answer=data.validated_data["answer"],
        )
        return Response(
            {"question_id": sq.question_id, "given": sq.given, "answered_at": sq.answered_at}
        )


class SittingSubmit(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        request=None, responses={200: LearningResultOut, 400: None, 404: None}, summary="交卷"
    )
    def post(self, request, pk: int):
        sitting = services.sitting_submit(actor=request.user, sitting_id=pk)
        return Response(result(sitting, sitting.questions.all()))
