"""Examples at the end of each command's help: real command lines, the same in every language.

Keyed by the command's path after ``salescli``; a test checks every command has examples and that each one
parses (right command, known options, valid values). The ids, numbers, SKUs and handles are those of
``salescli sample`` (wang.fang, customer 8, lead 1000, deals 93 and 95, Q-2026-0001, SO-2026-0007...),
so every line can be tried on the sample data. Each line fits an 80-column terminal with its indent."""

EXAMPLES: dict[str, list[str]] = {
    # -- step 1: customers ------------------------------------------------------------------------------------------
    "customer add": [
        "salescli customer add 华东机械 --industry 制造业 --size 300 --city 上海",
        "salescli customer add 'Northwind Ltd' --budget 500000 --owner wang.fang",
    ],
    "customer analyze": [
        "salescli customer analyze",
        "salescli customer analyze --by industry --by city --top 5",
    ],
    "customer list": [
        "salescli customer list --tier A --city 上海",
        "salescli customer list --industry 制造业 -s 精密 --format json",
    ],
    "customer merge": [
        "salescli customer merge 8 42 --dry-run",
        "salescli customer merge 8 42",
    ],
    "customer show": [
        "salescli customer show 8",
        "salescli customer show 8 --format json",
    ],
    "customer update": [
        "salescli customer update 8 --budget 800000 --owner li.wei",
        "salescli customer update 8 --legal-name 上海天成教育科技有限公司",
    ],
    "contact add": [
        "salescli contact add 8 --name 赵敏 --title 采购经理 --phone 13912345678",
        "salescli contact add 8 --name 'Bob Smith' --email bob@example.com",
    ],
    "contact list": [
        "salescli contact list --customer 8",
        "salescli contact list -s 赵敏 --format json",
    ],
    # -- step 2: leads ----------------------------------------------------------------------------------------------
    "lead add": [
        "salescli lead add 张伟 --company 华东机械 --source 展会 --follow-up +3d",
        "salescli lead add 'Tom Lee' --source web --email tom@example.com",
    ],
    "lead convert": [
        "salescli lead convert 994",
        "salescli lead convert 994 --deal-title '武汉博远 网关改造'",
    ],
    "lead due": [
        "salescli lead due",
        "salescli lead due --all --date 2026-12-07",
    ],
    "lead list": [
        "salescli lead list --open --source 展会",
        "salescli lead list --status qualified --all -n 20 --format csv",
    ],
    "lead log": [
        "salescli lead log 1000 --kind call --summary '初次电话，有兴趣' --next +7d",
        "salescli lead log 1000 --kind email --summary 'Sent the brochure'",
    ],
    "lead lose": [
        "salescli lead lose 999 --reason budget",
        "salescli lead lose 999 --reason 竞品 --date 2026-11-28",
    ],
    "lead merge": [
        "salescli lead merge 991 1000 --dry-run",
        "salescli lead merge 991 1000",
    ],
    "lead show": [
        "salescli lead show 1000",
        "salescli lead show 1000 --format json",
    ],
    "lead update": [
        "salescli lead update 1000 --status qualified --follow-up +2d",
        "salescli lead update 1000 --owner wang.fang --phone 13800138000",
    ],
    # -- step 3: needs ----------------------------------------------------------------------------------------------
    "needs confirm": [
        "salescli needs confirm 95 --item SW-BI:2 --budget 9000 --deliver-by +45d",
        "salescli needs confirm 95 --from needs.json --decision-maker 王总",
    ],
    "needs show": [
        "salescli needs show 93",
        "salescli needs show 93 --format json",
    ],
    # -- step 4: products and demos ---------------------------------------------------------------------------------
    "product add": [
        "salescli product add GW-200 --name '5G 工业网关' --price 1800 --cost 1000",
        "salescli product add SV-OPS --name 运维服务 --price 3000 --cost 1200",
    ],
    "product import": [
        "salescli product import catalog.xlsx --dry-run",
        "salescli product import catalog.csv --update",
    ],
    "product list": [
        "salescli product list --category hardware",
        "salescli product list -s 网关 --format json",
    ],
    "product recommend": [
        "salescli product recommend 93",
        "salescli product recommend 93 -n 3 --format json",
    ],
    "product show": [
        "salescli product show HW-GW-100",
        "salescli product show SW-CRM-PRO --format json",
    ],
    "product update": [
        "salescli product update HW-GW-100 --price 1150 --spec '4G, 8 路 RS485'",
        "salescli product update HW-RACK --inactive",
    ],
    "demo list": [
        "salescli demo list --objection 交付",
        "salescli demo list --outcome negative --product HW-GW-100 --all",
    ],
    "demo log": [
        "salescli demo log 93 --products HW-GW-100,SW-BI --outcome positive",
        "salescli demo log 93 --products SW-CRM-PRO --questions '担心交付周期'",
    ],
    # -- step 5: quotes ---------------------------------------------------------------------------------------------
    "quote accept": [
        "salescli quote accept Q-2026-0073",
        "salescli quote accept Q-2026-0073 --date 2026-12-05",
    ],
    "quote approve": [
        "salescli --rep chen.jing quote approve Q-2026-0075",
    ],
    "quote create": [
        "salescli quote create 93 --from-needs --discount 5",
        "salescli quote create 95 --item HW-GW-100:5 --item SV-IMPL:2:2200",
    ],
    "quote diff": [
        "salescli quote diff Q-2026-0001",
        "salescli quote diff Q-2026-0001 1 2 --format json",
    ],
    "quote history": [
        "salescli quote history Q-2026-0001",
    ],
    "quote list": [
        "salescli quote list --status sent --expiring 7",
        "salescli quote list --all --revisions --format csv",
    ],
    "quote reject": [
        "salescli quote reject Q-2026-0073 --reason '预算不足，明年再议'",
    ],
    "quote render": [
        "salescli quote render Q-2026-0001 --to Q-2026-0001.pdf",
        "salescli quote render Q-2026-0001 --to q.html --lang bilingual",
    ],
    "quote revise": [
        "salescli quote revise Q-2026-0073 --discount 8 --note '客户要求降价'",
        "salescli quote revise Q-2026-0073 --item SW-API:15 --remove SW-BI",
    ],
    "quote send": [
        "salescli quote send Q-2026-0065",
    ],
    "quote show": [
        "salescli quote show Q-2026-0001",
        "salescli quote show Q-2026-0001 --revision 1 --format json",
    ],
    # -- step 6: contracts ------------------------------------------------------------------------------------------
    "contract cancel": [
        "salescli contract cancel C-2026-0029 --reason '客户取消采购'",
    ],
    "contract complete": [
        "salescli contract complete C-2026-0027",
    ],
    "contract create": [
        "salescli contract create Q-2026-0015 --delivery-date +30d",
        "salescli contract create Q-2026-0015 --payment-terms '30% 预付，70% 货到'",
    ],
    "contract list": [
        "salescli contract list --status signed",
        "salescli contract list --all --format csv",
    ],
    "contract render": [
        "salescli contract render C-2026-0001 --to C-2026-0001.pdf",
        "salescli contract render C-2026-0001 --to c.html --lang bilingual",
    ],
    "contract show": [
        "salescli contract show C-2026-0027",
        "salescli contract show C-2026-0027 --format json",
    ],
    "contract sign": [
        "salescli contract sign C-2026-0029 --signed-by 张总",
    ],
    # -- step 7: orders ---------------------------------------------------------------------------------------------
    "order create": [
        "salescli order create C-2026-0029 --promised +30d",
    ],
    "order export": [
        "salescli order export --status submitted --output orders.xlsx",
        "salescli order export --excel -o orders.csv",
    ],
    "order import-status": [
        "salescli order import-status status.csv --dry-run",
        "salescli order import-status 发货状态.xlsx --sheet 11月",
    ],
    "order list": [
        "salescli order list",
        "salescli order list --closed --all --format json",
    ],
    "order track": [
        "salescli order track --late --all",
        "salescli order track SO-2026-0007",
    ],
    "order update": [
        "salescli order update SO-2026-0014 --status confirmed",
        "salescli order update SO-2026-0014 --status shipped --note SF1234567",
    ],
    # -- step 8: after-sales ----------------------------------------------------------------------------------------
    "ticket list": [
        "salescli ticket list --breached",
        "salescli ticket list --priority urgent --closed --format json",
    ],
    "ticket open": [
        "salescli ticket open --order SO-2026-0007 --subject 断网 --priority urgent",
        "salescli ticket open --customer 8 --subject '培训资料缺失'",
    ],
    "ticket resolve": [
        "salescli ticket resolve 3 --note '更换传感器后读数正常'",
    ],
    "ticket show": [
        "salescli ticket show 3",
        "salescli ticket show 3 --format json",
    ],
    "ticket update": [
        "salescli ticket update 3 --status in_progress --note '已远程排查'",
        "salescli ticket update 4 --priority high",
    ],
    # -- step 9: surveys --------------------------------------------------------------------------------------------
    "survey import": [
        "salescli survey import answers.csv --dry-run",
        "salescli survey import 回访结果.xlsx --sheet 11月",
    ],
    "survey list": [
        "salescli survey list --status sent",
        "salescli survey list --order SO-2026-0007 --format json",
    ],
    "survey record": [
        "salescli survey record --order SO-2026-0007 --nps 9 --csat 5",
        "salescli survey record --customer 8 --nps 6 --comment '交付慢了一周'",
    ],
    "survey respond": [
        "salescli survey respond 3da94c0cba324ccc3975b19029a67ab0 --nps 10 --csat 5",
    ],
    "survey results": [
        "salescli survey results --period this-quarter --by rep",
        "salescli survey results --period 2026 --format json",
    ],
    "survey send": [
        "salescli survey send --delivered-since -7d --dry-run",
        "salescli survey send --order SO-2026-0007 --outbox outbox",
    ],
    "survey serve": [
        "salescli survey serve",
        "salescli survey serve --root-path /survey --forwarded-allow-ips 127.0.0.1",
    ],
    # -- step 10: performance ---------------------------------------------------------------------------------------
    "target list": [
        "salescli target list --rep wang.fang --year 2026",
    ],
    "target set": [
        "salescli target set wang.fang 2026-Q4 --revenue 500000",
        "salescli target set li.wei 2026-12 --revenue 150000 --units 40",
    ],
    "kpi forecast": [
        "salescli kpi forecast",
        "salescli kpi forecast --all --format json",
    ],
    "kpi funnel": [
        "salescli kpi funnel --period this-year --by channel",
        "salescli kpi funnel --period 2026-Q4 --by rep",
    ],
    "kpi lost-reasons": [
        "salescli kpi lost-reasons --period this-year",
        "salescli kpi lost-reasons --period 2026 --by rep --format csv",
    ],
    "kpi report": [
        "salescli kpi report --period this-quarter --chart",
        "salescli kpi report --period 2026 --html kpi.html --xlsx kpi.xlsx",
    ],
    # -- deals, tasks, the day --------------------------------------------------------------------------------------
    "deal list": [
        "salescli deal list --open --stage proposal",
        "salescli deal list -s 华信 --all --format json",
    ],
    "deal log": [
        "salescli deal log 95 --kind wechat --summary '发了方案说明' --next +3d",
        "salescli deal log 95 --kind visit --summary 现场拜访王总 --next +7d",
    ],
    "deal lose": [
        "salescli deal lose 93 --reason price --note '对手报价低 20%'",
        "salescli deal lose 93 --reason 交期",
    ],
    "deal show": [
        "salescli deal show 95",
        "salescli deal show 95 --format json",
    ],
    "deal update": [
        "salescli deal update 95 --expected-close +30d --probability 60",
        "salescli deal update 95 --next-step '约王总确认预算'",
    ],
    "task add": [
        "salescli task add --deal 95 --due +2d --priority high 寄样品给采购部",
        "salescli task add --lead 1000 --due tomorrow '回电话确认需求'",
    ],
    "task done": [
        "salescli task done 1",
    ],
    "task list": [
        "salescli task list --overdue",
        "salescli task list --due-before 2026-12-07 --all",
    ],
    "task update": [
        "salescli task update 1 --due +3d --priority high",
    ],
    "today": [
        "salescli today",
        "salescli --rep wang.fang today --top 5",
    ],
    "pipeline": [
        "salescli pipeline",
        "salescli pipeline --all --format json",
    ],
    # -- people and the team ----------------------------------------------------------------------------------------
    "rep add": [
        "salescli rep add wang.li --name 王丽 --email wang.li@example.cn",
        "salescli rep add zhou.jie --name 周杰 --manager --login",
    ],
    "rep disable": [
        "salescli rep disable li.wei",
    ],
    "rep enable": [
        "salescli rep enable li.wei",
    ],
    "rep handover": [
        "salescli rep handover li.wei wang.fang",
    ],
    "rep list": [
        "salescli rep list",
        "salescli rep list --format json",
    ],
    "rep update": [
        "salescli rep update li.wei --email li.wei@example.com",
        "salescli rep update li.wei --login --password-file pw.txt",
    ],
    "team check": [
        "salescli team check",
    ],
    "team init": [
        "salescli --db postgresql://salesadmin@dbhost/sales team init",
    ],
    "team survey-login": [
        "salescli team survey-login survey_page",
    ],
    "history": [
        "salescli history quote Q-2026-0001",
        "salescli history deal 95 --format json",
    ],
    "search": [
        "salescli search 华信",
        "salescli search 李静 --type contact -n 5",
    ],
    # -- hooks, MCP -------------------------------------------------------------------------------------------------
    "hook add": [
        'salescli hook add deal.won,order.late --kind wecom --webhook "$WECOM_URL"',
        "salescli hook add '*' --run /opt/crm/on-event.sh --note 同步到ERP",
    ],
    "hook deliver": [
        "salescli hook deliver",
        "salescli hook deliver --hook 1 --timeout 30",
    ],
    "hook events": [
        "salescli hook events",
    ],
    "hook list": [
        "salescli hook list",
    ],
    "hook log": [
        "salescli hook log --status failed",
        "salescli hook log --hook 1 -n 10 --format json",
    ],
    "hook remove": [
        "salescli hook remove 2",
    ],
    "hook test": [
        "salescli hook test 1",
    ],
    "hook tick": [
        "salescli hook tick",
        "salescli hook tick --timeout 5",
    ],
    "mcp": [
        "salescli --rep wang.fang mcp",
    ],
    # -- data in and out --------------------------------------------------------------------------------------------
    "import": [
        "salescli import leads expo.csv --set source=exhibition",
        "salescli import customers 客户.xlsx --skip-invalid --rejects bad.csv",
    ],
    "export": [
        "salescli export leads --format csv --output leads.csv",
        "salescli export orders --output orders.xlsx",
    ],
    "sample": [
        "salescli sample",
        "salescli --db demo.db sample --customers 50 --leads 300",
    ],
    # -- the database and settings ----------------------------------------------------------------------------------
    "db backup": [
        "salescli db backup sales-2026-11-30.db",
    ],
    "db check": [
        "salescli db check",
    ],
    "db info": [
        "salescli db info",
        "salescli db info --format json",
    ],
    "db reindex": [
        "salescli db reindex",
    ],
    "db restore": [
        "salescli db restore sales-2026-11-30.db --force",
    ],
    "db upgrade": [
        "salescli db upgrade",
        "salescli --db postgresql://salesadmin@dbhost/sales db upgrade",
    ],
    "config get": [
        "salescli config get tax_rate",
    ],
    "config list": [
        "salescli config list",
    ],
    "config path": [
        "salescli config path",
    ],
    "config set": [
        "salescli config set company_name 上海云帆科技有限公司",
        "salescli config set default_rep wang.fang",
    ],
    "config unset": [
        "salescli config unset default_rep",
    ],
    "shell": [
        "salescli --rep wang.fang shell",
        "salescli shell --keep-going < batch.txt",
    ],
}
