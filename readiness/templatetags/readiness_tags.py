import itertools

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.templatetags.i18n import (
    GetAvailableLanguagesNode,
    GetCurrentLanguageNode,
    GetLanguageInfoListNode,
)
from django.urls import get_script_prefix
from django.utils.translation import get_language

from readiness.process_memo import ProcessMemo

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return (mapping or {}).get(key)


# {% memo %}: a part of a template rendered once per process for each value of what it depends
# on. The key is the node, the active language, the script prefix (for {% url %}), the
# autoescaping and the values of the tag's arguments, so the part may read nothing else from the
# context: neither a CSRF token (refused when parsed) nor anything about the user that is not an
# argument. Blocks are refused too (a child template would override them unseen), and so is
# {% get_... as var %} (its variable would not be set when the part comes from the memo).
_memo = ProcessMemo(size=2048)
_memo_ids = itertools.count()


class MemoNode(template.Node):
    def __init__(self, nodelist, args):
        self.nodelist = nodelist
        self.args = args
        self.memo_id = next(_memo_ids)

    def render(self, context):
        request = context.get("request")
        key = (
            self.memo_id,
            get_language(),
            get_script_prefix(),
            # {% url %} reverses namespaced names in the request's application
            getattr(request, "current_app", None),
            getattr(getattr(request, "resolver_match", None), "namespace", None),
            context.autoescape,
            *(arg.resolve(context) for arg in self.args),
        )
        html = _memo.get(key)
        if html is None:
            html = _memo.put(key, self.nodelist.render(context))
        return html


@register.tag
def memo(parser, token):
    args = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    refused = (
        CsrfTokenNode,
        BlockNode,
        GetCurrentLanguageNode,
        GetAvailableLanguagesNode,
        GetLanguageInfoListNode,
    )
    for node_type in refused:
        if nodelist.get_nodes_by_type(node_type):
            raise template.TemplateSyntaxError(f"{node_type.__name__} inside {{% memo %}}")
    return MemoNode(nodelist, args)
