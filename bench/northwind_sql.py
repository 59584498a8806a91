"""The Northwind models of examples/northwind (silver.master_ventes, then
every gold model) as SQL for the `sql` benchmark's peers, over views
bronze_<table> of the bronze files and silver_master_ventes of the silver
output.  days(a, b) spells "days from a to b" in the peer's dialect."""


def steps(days):
    latest = lambda t: f"(SELECT * FROM bronze_{t} WHERE _ingestion_date = (SELECT max(_ingestion_date) FROM bronze_{t}))"  # noqa: E731
    return [
        ("silver.master_ventes", f"""
    WITH od AS {latest('order_details')}, o AS {latest('orders')}, p AS {latest('products')},
         cat AS {latest('categories')}, c AS {latest('customers')}
    SELECT od.order_id, o.order_date, c.company_name AS client, upper(c.country) AS pays,
           p.product_name AS produit, cat.category_name AS categorie, od.quantity, od.unit_price,
           round(od.unit_price * od.quantity * (1 - od.discount), 2) AS montant_final
    FROM od
    LEFT JOIN o ON od.order_id = o.order_id
    LEFT JOIN p ON od.product_id = p.product_id
    LEFT JOIN cat ON p.category_id = cat.category_id
    LEFT JOIN c ON o.customer_id = c.customer_id"""),
        ("gold.revenue_by_category", """
    SELECT categorie, sum(montant_final) AS revenue FROM silver_master_ventes
    GROUP BY categorie ORDER BY revenue DESC"""),
        ("gold.rfm_analysis", """
    SELECT client, max(order_date) AS last_order, count(DISTINCT order_id) AS frequency,
           sum(montant_final) AS monetary,
           CASE WHEN sum(montant_final) > 5000 THEN 'VIP' ELSE 'Standard' END AS segment
    FROM silver_master_ventes GROUP BY client"""),
        ("gold.rfm_scores", f"""
    SELECT client, recency_days, frequency, monetary,
           ntile(5) OVER (ORDER BY recency_days DESC) AS r_score,
           ntile(5) OVER (ORDER BY frequency) AS f_score,
           ntile(5) OVER (ORDER BY monetary) AS m_score
    FROM (SELECT client,
                 {days('max(order_date)', '(SELECT max(order_date) FROM silver_master_ventes)')} AS recency_days,
                 count(DISTINCT order_id) AS frequency, sum(montant_final) AS monetary
          FROM silver_master_ventes GROUP BY client) AS rfm"""),
        ("gold.top_countries", """
    SELECT pays, sum(montant_final) AS revenue FROM silver_master_ventes
    GROUP BY pays ORDER BY revenue DESC LIMIT 10"""),
        ("gold.total_revenue", """
    SELECT sum(montant_final) AS total_revenue, count(DISTINCT order_id) AS orders,
           count(DISTINCT client) AS customers FROM silver_master_ventes"""),
    ]
