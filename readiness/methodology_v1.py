"""Methodology v1 of the 2025 round (DESIGN §6) as plain data, with English and Chinese labels.

Pure Python, no Django import: the database loader and the scoring engine's reference
methodology are both built from this one definition. Chinese terms follow the 2025 report.
"""

BANDS = [
    {"grade": "A", "label_en": "Ready", "label_zh": "准备就绪", "min_total_rate": "0.75",
     "min_pillar_rate": "0.50"},
    {"grade": "B", "label_en": "Advanced", "label_zh": "进阶", "min_total_rate": "0.60"},
    {"grade": "C", "label_en": "Developing", "label_zh": "发展中", "min_total_rate": "0.40"},
    {"grade": "D", "label_en": "Planning", "label_zh": "规划中", "min_total_rate": "0"},
]  # fmt: skip


def _levels(*labels: tuple[str, str]) -> list[dict]:
    return [
        {"score": score, "label_en": label_en, "label_zh": label_zh}
        for score, (label_en, label_zh) in enumerate(labels)
    ]


NONE = ("None", "无")

ROLE_CHOICES = [
    {"value": "recipient", "label_en": "Recipient", "label_zh": "接收方"},
    {"value": "provider", "label_en": "Provider", "label_zh": "提供方"},
    {"value": "both", "label_en": "Both", "label_zh": "两者兼有"},
]

PILLARS = [
    {
        "code": "REG", "name_en": "Regulatory framework", "name_zh": "监管框架", "weight": "1",
        "sub_pillars": [
            {
                "code": "REG-1",
                "name_en": "Article 6 regulatory framework", "name_zh": "第六条监管框架",
                "levels": _levels(
                    NONE, ("Roadmap or announced", "路线图或已宣布"),
                    ("Draft published", "草案已发布"), ("Formally adopted", "已正式通过"),
                ),
                "facts": [
                    {"key": "instrument_type", "label_en": "Instrument type",
                     "label_zh": "文书类型", "kind": "choice", "min_level": 1,
                     "choices": [
                         {"value": "law", "label_en": "Law", "label_zh": "法律"},
                         {"value": "regulation", "label_en": "Regulation or decree",
                          "label_zh": "法规或法令"},
                         {"value": "policy", "label_en": "Policy, strategy or roadmap",
                          "label_zh": "政策、战略或路线图"},
                         {"value": "guideline", "label_en": "Guideline", "label_zh": "指南"},
                     ]},
                    {"key": "adoption_date", "label_en": "Adoption date",
                     "label_zh": "通过日期", "kind": "date", "min_level": 3},
                ],
            },
            {
                "code": "REG-2",
                "name_en": "Participation responsibilities", "name_zh": "参与责任",
                "levels": _levels(
                    NONE,
                    ("Focal point or 6.4 DNA designated", "已指定联络点或6.4条指定国家主管机构"),
                    ("6.2 authorising entity and 6.4 DNA notified",
                     "已通报6.2条授权实体和6.4条指定国家主管机构"),
                    ("Participation requirements demonstrably met", "已切实满足参与要求"),
                ),
            },
            {
                "code": "REG-3",
                "name_en": "Institutional arrangements", "name_zh": "机构安排",
                "levels": _levels(
                    NONE, ("Lead agency mandated", "已授权牵头机构"),
                    ("Coordination body established", "已设立协调机构"),
                    ("Full arrangements incl. authorisation, approval and grievance roles",
                     "完整安排（含授权、批准和申诉职能）"),
                ),
            },
        ],
    },
    {
        "code": "INF", "name_en": "Infrastructure", "name_zh": "基础设施", "weight": "1",
        "sub_pillars": [
            {
                "code": "INF-1",
                "name_en": "MRV system", "name_zh": "测量、报告与核证（MRV）体系",
                "levels": _levels(NONE, ("In development", "开发中"), ("Operational", "已运行")),
                "facts": [
                    {"key": "standard_basis", "label_en": "Standard basis",
                     "label_zh": "标准依据", "kind": "choice", "min_level": 2,
                     "choices": [
                         {"value": "existing", "label_en": "Existing standards",
                          "label_zh": "采用现有标准"},
                         {"value": "own", "label_en": "Own standard", "label_zh": "使用自建标准"},
                         {"value": "both", "label_en": "Both", "label_zh": "两种方式兼用"},
                     ]},
                ],
            },
            {
                "code": "INF-2",
                "name_en": "ITMO registry", "name_zh": "ITMOs登记系统",
                "levels": _levels(NONE, ("In development", "开发中"), ("Operational", "已部署")),
                "facts": [
                    {"key": "provenance", "label_en": "Provenance", "label_zh": "来源",
                     "kind": "choice", "min_level": 2,
                     "choices": [
                         {"value": "self_developed", "label_en": "Self-developed",
                          "label_zh": "自主开发"},
                         {"value": "third_party", "label_en": "Third-party",
                          "label_zh": "第三方提供"},
                     ]},
                ],
            },
            {
                "code": "INF-3",
                "name_en": "Article 6 reporting", "name_zh": "第六条报告",
                "levels": _levels(
                    NONE, ("Initial report in preparation", "初始报告编制中"),
                    ("Initial report submitted", "初始报告已提交"),
                    ("Annual information / BTR with Article 6 content",
                     "年度信息或含第六条内容的两年期透明度报告（BTR）"),
                ),
            },
        ],
    },
    {
        "code": "FIN", "name_en": "Financial support", "name_zh": "资金支持", "weight": "1",
        "sub_pillars": [
            {
                "code": "FIN-1",
                "name_en": "Finance for ITMO development and transfer",
                "name_zh": "ITMOs开发与转让的资金支持",
                "levels": _levels(NONE, ("In negotiation", "谈判中"), ("Active", "进行中")),
                "facts": [
                    {"key": "role", "label_en": "Role", "label_zh": "角色", "kind": "choice",
                     "min_level": 1, "choices": ROLE_CHOICES},
                ],
            },
        ],
    },
    {
        "code": "IMP", "name_en": "Implementation", "name_zh": "实施实践", "weight": "1",
        "sub_pillars": [
            {
                "code": "IMP-1",
                "name_en": "Capacity building and external support", "name_zh": "能力建设",
                "levels": _levels(
                    NONE, ("Took part in initiatives", "参与相关倡议活动"),
                    ("Organised initiatives or received dedicated market-development support",
                     "组织相关活动或获得市场发展专项外部支持"),
                ),
            },
            {
                "code": "IMP-2",
                "name_en": "Cooperation agreements", "name_zh": "合作框架协议",
                "levels": _levels(
                    NONE, ("Framework agreement or MoU", "框架协议或谅解备忘录"),
                    ("Binding implementation agreement", "具有约束力的执行协议"),
                ),
                "facts": [
                    {"key": "counterparts", "label_en": "Counterpart Parties",
                     "label_zh": "合作缔约方", "kind": "party_list", "min_level": 1},
                ],
            },
            {
                "code": "IMP-3",
                "name_en": "Letters of authorisation issued", "name_zh": "授权函",
                "levels": _levels(NONE, ("Issued", "已签发")),
                "facts": [
                    {"key": "activities_authorised", "label_en": "Activities authorised",
                     "label_zh": "获授权活动数量", "kind": "integer", "min_level": 1},
                ],
            },
            {
                "code": "IMP-4",
                "name_en": "Priority sector/technology whitelist", "name_zh": "白名单",
                "levels": _levels(NONE, ("Published", "已公布")),
            },
            {
                "code": "IMP-5",
                "name_en": "CDM transition to 6.4 approved", "name_zh": "清洁发展机制过渡",
                "levels": _levels(NONE, ("Approved", "已批准")),
                "facts": [
                    {"key": "activities", "label_en": "Activities approved for transition",
                     "label_zh": "获批过渡活动数量", "kind": "integer", "min_level": 1},
                ],
            },
            {
                "code": "IMP-6",
                "name_en": "First transfers and corresponding adjustments",
                "name_zh": "首次转让与相应调整",
                "levels": _levels(
                    NONE, ("First transfer", "首次转让"),
                    ("Adjustment applied in a BTR", "已在两年期透明度报告中应用相应调整"),
                ),
            },
        ],
    },
]  # fmt: skip
