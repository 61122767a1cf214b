create or replace function vp_fail (p_code text, p_detail jsonb default null::jsonb)
  returns void
  language plpgsql
  as $function$
begin
  raise exception
    using errcode = 'VPB01', message = p_code, detail = coalesce(p_detail::text, '');
end
$function$;
