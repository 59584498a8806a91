-- KPI 3: recency, frequency and monetary value per customer, with the
-- notebook's VIP rule.
SELECT client,
       max(order_date) AS last_order,
       count(DISTINCT order_id) AS frequency,
       sum(montant_final) AS monetary,
       CASE WHEN sum(montant_final) > 5000 THEN 'VIP' ELSE 'Standard' END AS segment
FROM silver.master_ventes
GROUP BY client
