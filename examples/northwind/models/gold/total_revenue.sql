-- KPI 1: total revenue over the master view.
SELECT sum(montant_final) AS total_revenue,
       count(DISTINCT order_id) AS orders,
       count(DISTINCT client) AS customers
FROM silver.master_ventes
