from django.conf import settings

from readiness import policy


def site(request):
    user = request.user
    return {
        "demo_mode": settings.DEMO_MODE,
        "user_roles": {
            "round_admin": policy.is_round_admin(user),
            "reviewer": policy.is_reviewer(user),
            "focal_point": policy.is_focal_point(user),
            "analyst": policy.is_analyst(user),
        },
    }
