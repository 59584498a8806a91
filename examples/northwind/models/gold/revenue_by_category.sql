-- Revenue by product category (a dashboard chart).
SELECT categorie, sum(montant_final) AS revenue
FROM silver.master_ventes
GROUP BY categorie
ORDER BY revenue DESC
