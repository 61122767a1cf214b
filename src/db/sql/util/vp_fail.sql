CREATE OR REPLACE FUNCTION vp_fail(p_code text, p_detail jsonb DEFAULT NULL::jsonb)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
begin
  raise exception using errcode = 'VPB01', message = p_code, detail = coalesce(p_detail::text, '');
end $function$;
